//! `kerjasama token`: create a token (its secret printed once) or revoke one.

use kerjasama_core::access::Principal;
use kerjasama_core::codes::Role;
use kerjasama_core::tokens;

use crate::cli::{RoleArg, TokenCommand};
use crate::database::Database;

pub async fn run(command: &TokenCommand, db: &Database) -> anyhow::Result<()> {
    let system = Principal::system("kerjasama-cli");
    match command {
        TokenCommand::Create {
            role,
            name,
            unit,
            region,
        } => {
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::UnitOfficer => Role::UnitOfficer,
                RoleArg::Analyst => Role::Analyst,
            };
            let new = tokens::NewToken {
                name: name.clone(),
                role,
                unit_code: unit.clone(),
                region_code: region.clone(),
            };
            let (info, secret) = tokens::create(&db.pool, &system, new).await?;
            eprintln!(
                "created token {} ({}); its secret is shown only now:",
                info.name, info.role
            );
            println!("{secret}");
        }
        TokenCommand::Revoke { name } => {
            tokens::revoke(&db.pool, &system, name).await?;
            println!("revoked token {name}");
        }
    }
    Ok(())
}
