//! Who is calling and what they may do. Every rule about roles, units and
//! regions lives here, so a reader looking for "who may edit this agreement"
//! lands in one file.

use serde::Serialize;

use crate::codes::Role;
use crate::error::{CoreError, CoreResult};

/// The authenticated caller, resolved from a bearer token.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    /// The token's name, recorded as the actor in the audit trail.
    pub name: String,
    pub role: Role,
    /// For a UNIT_OFFICER: the unit whose agreements it may write.
    pub unit_code: Option<String>,
    /// When set, the caller sees and writes only this region's records.
    pub region_code: Option<String>,
}

impl Principal {
    /// The identity of local administration commands (`kerjasama seed`, `token`).
    pub fn system(name: &str) -> Self {
        Self {
            name: name.to_string(),
            role: Role::Admin,
            unit_code: None,
            region_code: None,
        }
    }

    pub fn can_see_region(&self, region_code: &str) -> bool {
        self.region_code
            .as_deref()
            .is_none_or(|own| own == region_code)
    }

    /// Reading a record of `region_code`.
    pub fn check_read(&self, region_code: &str) -> CoreResult<()> {
        if self.can_see_region(region_code) {
            Ok(())
        } else {
            Err(CoreError::PermissionDenied(format!(
                "token {} is limited to region {}",
                self.name,
                self.region_code.as_deref().unwrap_or_default()
            )))
        }
    }

    /// Writing an agreement owned by `unit_code` in `region_code`.
    pub fn check_write_agreement(&self, region_code: &str, unit_code: &str) -> CoreResult<()> {
        self.check_read(region_code)?;
        match self.role {
            Role::Admin => Ok(()),
            Role::UnitOfficer if self.unit_code.as_deref() == Some(unit_code) => Ok(()),
            Role::UnitOfficer => Err(CoreError::PermissionDenied(format!(
                "a unit officer of {} may only write agreements of that unit, not of {unit_code}",
                self.unit_code.as_deref().unwrap_or_default()
            ))),
            Role::Analyst => Err(read_only()),
        }
    }

    /// Managing units, tokens and other bureau-wide settings.
    pub fn check_admin(&self, region_code: Option<&str>) -> CoreResult<()> {
        if let Some(region) = region_code {
            self.check_read(region)?;
        }
        match self.role {
            Role::Admin => Ok(()),
            Role::Analyst => Err(read_only()),
            Role::UnitOfficer => Err(CoreError::PermissionDenied(
                "only the cooperation bureau (ADMIN) may do this".into(),
            )),
        }
    }

    /// Running evaluation reports: the bureau and analysts.
    pub fn check_run_reports(&self) -> CoreResult<()> {
        match self.role {
            Role::Admin | Role::Analyst => Ok(()),
            Role::UnitOfficer => Err(CoreError::PermissionDenied(
                "reports are run by the bureau (ADMIN) or analysts (ANALYST)".into(),
            )),
        }
    }
}

fn read_only() -> CoreError {
    CoreError::PermissionDenied("an ANALYST token is read-only".into())
}
