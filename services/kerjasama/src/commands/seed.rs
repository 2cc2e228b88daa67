//! `kerjasama seed`: the demo register (its signed texts filed in the data
//! dir's archive), or a synthetic one of any size.

use kerjasama_seed::{demo, synthetic};

use crate::cli::SeedArgs;
use crate::database::Database;

pub async fn run(args: &SeedArgs, db: &Database, data_dir: &std::path::Path) -> anyhow::Result<()> {
    match args {
        SeedArgs {
            synthetic: true,
            agreements: Some(agreements),
            seed,
        } => {
            let options = synthetic::SyntheticOptions::new(*agreements, *seed);
            let mut display = synthetic::StderrProgress::new();
            let summary = synthetic::load(&db.url, &options, &mut |p| display.update(p)).await?;
            println!(
                "loaded a synthetic register (seed {seed}): {agreements} agreements in {} regions, \
                 committed after {:.1} s, analyzed after {:.1} s",
                summary.regions,
                summary.load_time.as_secs_f64(),
                summary.total_time.as_secs_f64()
            );
            println!("{:<31}{:>12}{:>12}", "table", "rows", "COPY s");
            for ((table, rows), time) in synthetic::TABLES
                .iter()
                .zip(summary.rows)
                .zip(summary.copy_time)
            {
                println!("{table:<31}{rows:>12}{:>12.1}", time.as_secs_f64());
            }
        }
        _ => match demo::load(&db.pool).await? {
            demo::SeedOutcome::Loaded { units, agreements } => {
                let archive = kerjasama_core::archive::Settings::defaults_in(
                    &std::path::absolute(data_dir)?.join("archive"),
                )?;
                let filed = kerjasama_seed::demo_archive::load(&db.pool, &archive).await?;
                println!(
                    "loaded the demo register: {units} units, {agreements} agreements, {filed} signed texts in the archive"
                )
            }
            demo::SeedOutcome::NotEmpty => println!("the register is not empty; nothing loaded"),
        },
    }
    Ok(())
}
