//! kerjasama-seed: registers to start from. `demo` loads the fictional demo
//! register (kept as data under `data/`) through the same use cases as the
//! API; `synthetic` generates a deterministic register of any size and loads
//! it with COPY, for benchmarks and scale tests; `demo_archive` files the
//! demo's signed texts in the document archive. All call down into
//! kerjasama-core; nothing calls back into them.

pub mod demo;
pub mod demo_archive;
pub mod synthetic;
