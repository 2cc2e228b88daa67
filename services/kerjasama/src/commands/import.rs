//! `kerjasama import`: the template, or a register validated and committed
//! (all rows or none) through the same use cases as the API.

use anyhow::Context;
use kerjasama_core::access::Principal;

use crate::cli;
use crate::database::Database;

/// `kerjasama import`: the template, or a file validated and committed.
pub async fn run(
    args: &cli::ImportArgs,
    db: &Database,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    use kerjasama_import::runs::{self, Upload};
    if let Some(cli::ImportCommand::Template { out, region }) = &args.template {
        let bytes = runs::template_for(&db.pool, region.as_deref()).await?;
        std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
        println!("wrote the import template to {}", out.display());
        return Ok(());
    }
    let actor = Principal::system("kerjasama-import");
    // The scans that come with the register, listed before anything else is
    // done (a folder that cannot be read stops the import at once).
    let scans = match &args.documents {
        Some(location) => Some(kerjasama_import::filing::ScanSet {
            files: kerjasama_import::scans::list(location)?,
            settings: args.archive.settings(data_dir).await?,
        }),
        None => None,
    };
    let mut uploads = Vec::new();
    for path in &args.files {
        let content = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
        uploads.push(Upload { name, content });
    }
    let started = std::time::Instant::now();
    let (run, _) = runs::create(
        &db.pool,
        &actor,
        args.region.clone(),
        uploads,
        args.dry_run,
        None,
        args.history_from,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let summary = |run: &runs::ImportRun, what: &str| {
        println!(
            "{what} {}: {} — {} rows; {} created, {} updated, {} unchanged, {} conflicting, {} with problems, {} stages assumed done ({:.1} s)",
            run.name(),
            run.state,
            run.rows_total,
            run.created,
            run.updated,
            run.unchanged,
            run.conflicting,
            run.problem_count,
            run.assumed,
            started.elapsed().as_secs_f64()
        );
    };
    // A dry run validates; otherwise one pass validates and writes every row
    // or none (no separate validation pass first).
    let run = if args.dry_run {
        let run = runs::execute_with_scans(&db.pool, &actor, run.id, false, scans.as_ref()).await?;
        summary(&run, "validated (dry run, nothing written)");
        run
    } else {
        runs::commit_new(&db.pool, &actor, run.id).await?;
        let run = runs::execute_with_scans(&db.pool, &actor, run.id, true, scans.as_ref()).await?;
        summary(&run, "imported");
        run
    };
    if let Some(set) = &scans {
        let (lines, _) = runs::lines(&db.pool, &actor, run.id, 0, i64::MAX).await?;
        let filed = lines
            .iter()
            .filter(|l| l.outcome == kerjasama_import::problems::Outcome::Filed)
            .count();
        let on_sheet = |o| {
            lines
                .iter()
                .filter(|l| l.outcome == o && l.problem.sheet == kerjasama_import::filing::SHEET)
                .count()
        };
        println!(
            "scans: {} in {}; {filed} {}, {} already filed, {} with problems",
            set.files.len(),
            args.documents
                .as_deref()
                .unwrap_or(std::path::Path::new(""))
                .display(),
            if args.dry_run {
                "would be filed"
            } else {
                "filed"
            },
            on_sheet(kerjasama_import::problems::Outcome::Unchanged),
            on_sheet(kerjasama_import::problems::Outcome::Invalid),
        );
    }
    let listed = run.problem_count + run.conflicting + run.updated + run.unchanged;
    if listed > 0 || args.report.is_some() {
        let path = args.report.clone().unwrap_or_else(|| {
            let mut p = args.files[0].clone().into_os_string();
            p.push(".laporan.csv");
            std::path::PathBuf::from(p)
        });
        let format = if path.extension().is_some_and(|e| e == "xlsx") {
            "xlsx"
        } else {
            "csv"
        };
        let bytes = runs::report_file(&db.pool, &actor, run.id, format).await?;
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        println!("per-row report: {}", path.display());
    }
    match run.state {
        runs::ImportRunState::Succeeded | runs::ImportRunState::Validated => Ok(()),
        runs::ImportRunState::Invalid => anyhow::bail!(
            "nothing was written: fix the rows the report lists and import again / tidak ada yang ditulis: perbaiki baris pada laporan lalu impor lagi"
        ),
        _ => anyhow::bail!("the import failed: {}", run.error.unwrap_or_default()),
    }
}
