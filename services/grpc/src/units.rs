//! `kerjasama.v1.UnitService`: the initiating units (OPD).

use kerjasama_core::CoreError;
use kerjasama_core::idempotency::parse_request_id;
use kerjasama_core::pool::PgPool;
use kerjasama_core::units::{self, NewUnit, Unit};
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::unit_service_server::UnitService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::status::on;
use crate::wire::{Violations, non_empty, timestamp};

const RESOURCE: &str = "unit";

pub struct Units {
    pool: PgPool,
}

impl Units {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn to_proto(unit: Unit) -> pb::Unit {
    pb::Unit {
        name: unit.name(),
        etag: unit.etag(),
        code: unit.code,
        region_code: unit.region_code,
        display_name: unit.display_name,
        create_time: Some(timestamp(unit.create_time)),
        update_time: Some(timestamp(unit.update_time)),
    }
}

fn parse_unit_name<'a>(field: &str, name: &'a str) -> Result<&'a str, CoreError> {
    units::parse_name(name).ok_or_else(|| CoreError::invalid(field, "must be units/{code}"))
}

#[tonic::async_trait]
impl UnitService for Units {
    async fn create_unit(
        &self,
        request: Request<pb::CreateUnitRequest>,
    ) -> Result<Response<pb::Unit>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let unit = request
            .unit
            .ok_or_else(|| CoreError::invalid("unit", "required"))
            .map_err(on(""))?;
        let request_id = parse_request_id(&request.request_id).map_err(on(RESOURCE))?;
        let new = NewUnit {
            code: unit.code.trim().to_string(),
            region_code: non_empty(&unit.region_code)
                .or_else(|| actor.region_code.clone())
                .unwrap_or_default(),
            display_name: unit.display_name,
        };
        let created = units::create(&self.pool, &actor, new, request_id)
            .await
            .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(created)))
    }

    async fn get_unit(
        &self,
        request: Request<pb::GetUnitRequest>,
    ) -> Result<Response<pb::Unit>, Status> {
        let actor = caller(&request)?;
        let code = parse_unit_name("name", &request.get_ref().name).map_err(on(RESOURCE))?;
        let unit = units::get(&self.pool, &actor, code)
            .await
            .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(unit)))
    }

    async fn list_units(
        &self,
        request: Request<pb::ListUnitsRequest>,
    ) -> Result<Response<pb::ListUnitsResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let page = units::list(
            &self.pool,
            &actor,
            non_empty(&request.region_code),
            request.page_size,
            &request.page_token,
        )
        .await
        .map_err(on(""))?;
        Ok(Response::new(pb::ListUnitsResponse {
            units: page.items.into_iter().map(to_proto).collect(),
            next_page_token: page.next_page_token,
        }))
    }

    async fn update_unit(
        &self,
        request: Request<pb::UpdateUnitRequest>,
    ) -> Result<Response<pb::Unit>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let unit = request
            .unit
            .ok_or_else(|| CoreError::invalid("unit", "required"))
            .map_err(on(""))?;
        // The name is inside the resource: reported as unit.name.
        let code = parse_unit_name("unit.name", &unit.name).map_err(on(""))?;
        let paths = request.update_mask.map(|m| m.paths).unwrap_or_default();
        let mut v = Violations::default();
        if paths.is_empty() {
            v.add("update_mask", "required: display_name");
        }
        let mut display_name = None;
        for path in &paths {
            match path.as_str() {
                "display_name" | "*" => display_name = Some(unit.display_name.clone()),
                "code" | "region_code" | "name" | "create_time" | "update_time" | "etag" => {
                    v.add("update_mask", format!("{path} cannot be changed"))
                }
                other => v.add("update_mask", format!("{other} is not a field of Unit")),
            }
        }
        v.finish().map_err(on(RESOURCE))?;
        let etag = non_empty(&unit.etag);
        let updated = units::update(&self.pool, &actor, code, display_name, etag.as_deref())
            .await
            .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(updated)))
    }
}
