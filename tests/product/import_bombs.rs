//! Issue 17, item 4: what a workbook may unpack to. Bombs generated from a
//! real workbook (openpyxl's) just under and just over each bound: a shared
//! strings table, one part, all parts together as a function of the upload's
//! size, the number of parts, and a shared strings count larger than its
//! bytes can hold (which the reader would reserve room for at once). The
//! server's peak memory stays under 300 MB above what it used before.

use kerjasama_import::expansion::{
    EXPANSION_FLOOR, EXPANSION_RATIO, MAX_EXPANDED_BYTES, MAX_PART_BYTES, MAX_PARTS,
    MAX_SHARED_STRINGS_BYTES,
};
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, scratch_dir};

use crate::clients::{clients_dir, python};

use crate::imports::{build, register_spec, rows, settled, state, units, upload};

const MIB: usize = 1024 * 1024;

/// The process's resident memory and its peak so far (VmRSS, VmHWM), in
/// bytes: the server runs in this test's own process.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .unwrap()
            * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The bomb variants of `workbook`, written by build_bombs.py with the
/// product's own bounds.
async fn bombs(workbook: &[u8]) -> std::path::PathBuf {
    let dir = scratch_dir("bombs");
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("register.xlsx");
    std::fs::write(&source, workbook).unwrap();
    let output = tokio::process::Command::new(python())
        .arg(clients_dir().join("python").join("build_bombs.py"))
        .arg(&source)
        .arg(&dir)
        .args(
            [
                MAX_SHARED_STRINGS_BYTES,
                MAX_PART_BYTES,
                EXPANSION_RATIO,
                EXPANSION_FLOOR,
                MAX_EXPANDED_BYTES,
                MAX_PARTS as u64,
            ]
            .map(|n| n.to_string()),
        )
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "build_bombs.py: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    dir
}

/// Forgets the peak so far (VmHWM), so that what follows is measured alone.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

#[tokio::test]
async fn workbooks_that_unpack_past_a_bound_are_refused_naming_it_and_memory_stays_bounded() {
    let server = TestServer::start().await;
    units(&server).await;
    let workbook = build(&register_spec(), None).await.remove(0).1;
    let dir = bombs(&workbook).await;
    let cases: Vec<(&str, &str, bool, &str)> = vec![
        (
            "shared strings just under the bound",
            "strings_under.xlsx",
            false,
            "",
        ),
        (
            "shared strings just over the bound",
            "strings_over.xlsx",
            true,
            "32 MB",
        ),
        ("a part just under the bound", "part_under.xlsx", false, ""),
        (
            "a part just over the bound",
            "part_over.xlsx",
            true,
            "128 MB",
        ),
        (
            "all parts just under the upload's bound",
            "total_under.xlsx",
            false,
            "",
        ),
        (
            "all parts just over the upload's bound",
            "total_over.xlsx",
            true,
            "× ukuran berkas",
        ),
        (
            "a shared strings count larger than its bytes can hold",
            "count_lie.xlsx",
            true,
            "99.999.999.999",
        ),
        ("too many parts", "many_parts.xlsx", true, "10.000"),
    ];
    let cases: Vec<(&str, Vec<u8>, bool, &str)> = cases
        .into_iter()
        .map(|(what, file, refused, names)| {
            (what, std::fs::read(dir.join(file)).unwrap(), refused, names)
        })
        .collect();
    reset_peak();
    let (idle, _) = memory();

    for (what, bytes, refused, names) in cases {
        let upload_size = bytes.len();
        let run = settled(
            &server,
            &upload(&server, &[("register.xlsx".into(), bytes)], true)
                .await
                .expect(what),
        )
        .await;
        let report = rows(&server, &run).await;
        let text: String = report
            .iter()
            .map(|r| format!("{} | {} || ", r.message_id, r.message_en))
            .collect();
        if refused {
            assert_eq!(state(&run), pb::ImportRunState::Invalid, "{what}: {text}");
            assert!(text.contains(names), "{what} names {names:?}: {text}");
        } else {
            assert_eq!(state(&run), pb::ImportRunState::Validated, "{what}: {text}");
        }
        let (_, peak) = memory();
        eprintln!(
            "{what}: upload {} KB, {:?}, peak so far {} MB above idle",
            upload_size / 1024,
            pb::ImportRunState::try_from(run.state).unwrap(),
            peak.saturating_sub(idle) / MIB as u64
        );
    }
    let (_, peak) = memory();
    assert!(
        peak.saturating_sub(idle) < 300 * MIB as u64,
        "peak memory {} MB above idle",
        peak.saturating_sub(idle) / MIB as u64
    );
}
