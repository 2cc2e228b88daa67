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

    /// A token bound to a region sees that region only; an unbound token sees
    /// every region only when it is ADMIN or ANALYST. A UNIT_OFFICER is always
    /// bound (to its unit's region); one that somehow is not sees nothing.
    pub fn can_see_region(&self, region_code: &str) -> bool {
        match (&self.region_code, self.role) {
            (Some(own), _) => own == region_code,
            (None, Role::Admin | Role::Analyst) => true,
            (None, Role::UnitOfficer) => false,
        }
    }

    /// Whether the caller sees every region (a deployment-wide record).
    pub fn sees_all_regions(&self) -> bool {
        self.region_code.is_none() && matches!(self.role, Role::Admin | Role::Analyst)
    }

    /// A record of one region (`Some`) or of the whole deployment (`None`).
    fn check_scope(&self, region_code: Option<&str>, what: &str) -> CoreResult<()> {
        let visible = match region_code {
            Some(region) => self.can_see_region(region),
            None => self.sees_all_regions(),
        };
        if visible {
            Ok(())
        } else {
            Err(CoreError::PermissionDenied(format!(
                "{what} is outside token {}'s region",
                self.name
            )))
        }
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

    /// Naming an agreement of `parent_unit` as the parent of one's own (a PKS
    /// under a KSB, an ADDENDUM). The child would block the parent's deletion,
    /// so a unit officer may do it only under its own unit's agreements; the
    /// bureau (ADMIN) may link across units.
    pub fn check_attach_child(&self, parent_unit: &str) -> CoreResult<()> {
        match self.role {
            Role::Admin => Ok(()),
            Role::UnitOfficer if self.unit_code.as_deref() == Some(parent_unit) => Ok(()),
            Role::UnitOfficer => Err(CoreError::PermissionDenied(format!(
                "a unit officer of {} may attach agreements only under its own unit's; the parent belongs to {parent_unit}",
                self.unit_code.as_deref().unwrap_or_default()
            ))),
            Role::Analyst => Err(read_only()),
        }
    }

    /// Marking an agreement public in full (its budget and benefit figures in
    /// the open register): the bureau's decision, not a unit's.
    pub fn check_publish_in_full(&self) -> CoreResult<()> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Analyst => Err(read_only()),
            Role::UnitOfficer => Err(CoreError::PermissionDenied(
                "only the cooperation bureau (ADMIN) decides that an agreement is public in full"
                    .into(),
            )),
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

    /// Report runs, their rows and their files, over gRPC and HTTP alike: the
    /// bureau and analysts, a run of their region (`region_code`), or of every
    /// region (`None`) only for unbound tokens.
    pub fn check_read_report_run(&self, region_code: Option<&str>) -> CoreResult<()> {
        self.check_run_reports()?;
        self.check_scope(region_code, "this report run")
    }

    /// Report schedules, read or written: the bureau (ADMIN) only, a schedule
    /// of its region, or a deployment-wide one (`None`) only when unbound.
    pub fn check_manage_schedule(&self, region_code: Option<&str>) -> CoreResult<()> {
        match self.role {
            Role::Admin => self.check_scope(region_code, "this report schedule"),
            Role::Analyst | Role::UnitOfficer => Err(CoreError::PermissionDenied(
                "report schedules are managed by the bureau (ADMIN)".into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn token(role: Role, unit: Option<&str>, region: Option<&str>) -> Principal {
        Principal {
            name: "t".into(),
            role,
            unit_code: unit.map(Into::into),
            region_code: region.map(Into::into),
        }
    }

    #[test]
    fn a_missing_region_means_every_region_only_for_unbound_admins_and_analysts() {
        assert!(token(Role::Admin, None, None).can_see_region("36"));
        assert!(token(Role::Analyst, None, None).can_see_region("36"));
        assert!(!token(Role::UnitOfficer, Some("DINKES"), None).can_see_region("36"));
        assert!(token(Role::UnitOfficer, Some("DINKES"), Some("36")).can_see_region("36"));
        assert!(!token(Role::Admin, None, Some("32")).can_see_region("36"));
    }

    #[test]
    fn report_runs_and_schedules_have_one_rule_each() {
        let officer = token(Role::UnitOfficer, Some("DINKES"), Some("36"));
        assert!(officer.check_read_report_run(Some("36")).is_err());
        assert!(officer.check_manage_schedule(Some("36")).is_err());
        let analyst = token(Role::Analyst, None, None);
        assert!(analyst.check_read_report_run(None).is_ok());
        assert!(analyst.check_manage_schedule(None).is_err());
        let bound = token(Role::Admin, None, Some("36"));
        assert!(bound.check_read_report_run(Some("36")).is_ok());
        assert!(bound.check_read_report_run(None).is_err());
        assert!(bound.check_manage_schedule(None).is_err());
        assert!(bound.check_manage_schedule(Some("36")).is_ok());
        assert!(bound.check_manage_schedule(Some("32")).is_err());
    }
}
