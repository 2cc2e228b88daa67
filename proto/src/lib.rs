//! The `kerjasama.v1` contract: generated message types, clients and servers,
//! and the encoded file descriptor set served by gRPC reflection.

pub mod v1 {
    tonic::include_proto!("kerjasama.v1");
}

/// Encoded `FileDescriptorSet` of every `kerjasama.v1` file (and its imports).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/kerjasama_descriptor.bin"));
