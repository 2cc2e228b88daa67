//! The load generator behind `kerjasama bench`: one scenario at a time, a
//! fixed number of concurrent callers (each on its own connection), stopped
//! by a request count or a duration, whichever comes first, and every call's
//! latency recorded in an HDR histogram (microseconds, 3 significant digits).
//!
//! It only talks to a server on loopback (the machine it measures is the one
//! it runs on). Reads address the synthetic register by ordinal
//! ([`kerjasama_seed::synthetic::synthetic_agreement_id`]), so the same
//! agreements can be read by pgbench with the same SQL. Writes prepare their
//! targets before the clock starts (a unit, agreements with a stage in
//! progress, an indicator per caller) and each target is used once.

pub mod list_shapes;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use kerjasama_proto::v1 as pb;
use serde::Serialize;
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{0}")]
    Config(String),
    #[error("connecting to {addr}: {source}")]
    Connect {
        addr: String,
        source: tonic::transport::Error,
    },
    #[error("preparing the {scenario} scenario: {status}")]
    Setup {
        scenario: &'static str,
        status: Box<Status>,
    },
}

/// What the callers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// `grpc.health.v1.Health/Check`: the gRPC path and the gate, no database.
    Floor,
    /// `GetAgreement` of a random synthetic agreement.
    Get,
    /// `ListAgreements` filtered by type, state and unit: the first page.
    ListFirst,
    /// `ListAgreements` of every ACTIVE agreement, newest first: page
    /// [`Config::deep_page`] (reached through its tokens before the clock starts).
    ListDeep,
    /// `ListAgreements` with a title search (`query`), first page.
    ListSearch,
    /// `CreateAgreement` of a signed KSDD KSB with one party (stages backfilled, audit, idempotency).
    Create,
    /// `CompleteStage` of an agreement's stage in progress.
    CompleteStage,
    /// `CreateRealisation` of a one-day period on the caller's own indicator.
    CreateRealisation,
    /// 90 % `GetAgreement`, 10 % `CreateAgreement`.
    Mix,
}

impl Scenario {
    pub const ALL: &[Scenario] = &[
        Scenario::Floor,
        Scenario::Get,
        Scenario::ListFirst,
        Scenario::ListDeep,
        Scenario::ListSearch,
        Scenario::Create,
        Scenario::CompleteStage,
        Scenario::CreateRealisation,
        Scenario::Mix,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Floor => "floor",
            Scenario::Get => "get",
            Scenario::ListFirst => "list-first",
            Scenario::ListDeep => "list-deep",
            Scenario::ListSearch => "list-search",
            Scenario::Create => "create",
            Scenario::CompleteStage => "complete-stage",
            Scenario::CreateRealisation => "create-realisation",
            Scenario::Mix => "mix",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.name() == text)
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The server's gRPC address; must be a loopback address.
    pub addr: SocketAddr,
    pub token: String,
    pub scenario: Scenario,
    pub concurrency: usize,
    /// Stop after this many calls ...
    pub requests: u64,
    /// ... or after this long, whichever comes first.
    pub duration: Duration,
    /// Agreements 1..=N of the synthetic register are read.
    pub register_size: u64,
    /// The page `list-deep` asks for (1-based).
    pub deep_page: u32,
    /// Seed of the callers' random choices.
    pub seed: u64,
    /// What `list-search` searches for; empty: the longest word of a
    /// synthetic agreement's title (a common word).
    pub query: String,
    /// The list `list-first` asks for ([`list_shapes::LIST_SHAPES`] spec);
    /// `None`: type, state ACTIVE and unit of a sample agreement.
    pub list_shape: Option<String>,
}

/// One scenario's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub concurrency: usize,
    pub calls: u64,
    pub errors: u64,
    /// The first error's status, if any.
    pub first_error: Option<String>,
    pub seconds: f64,
    pub calls_per_second: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<19} c={:<3} {:>8} calls {:>4} errors {:>7.2} s {:>9.1}/s  p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms",
            self.scenario,
            self.concurrency,
            self.calls,
            self.errors,
            self.seconds,
            self.calls_per_second,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms
        )
    }
}

/// splitmix64: the callers' random choices, reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 1..=n.
    fn ordinal(&mut self, n: u64) -> u64 {
        1 + self.next() % n.max(1)
    }
}

fn authed<T>(token: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    if let Ok(value) = MetadataValue::try_from(format!("Bearer {token}")) {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

fn setup_error(scenario: Scenario) -> impl FnOnce(Status) -> BenchError {
    move |status| BenchError::Setup {
        scenario: scenario.name(),
        status: Box::new(status),
    }
}

async fn connect(addr: SocketAddr) -> Result<Channel, BenchError> {
    Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|source| BenchError::Connect {
            addr: addr.to_string(),
            source,
        })?
        .tcp_nodelay(true)
        .connect()
        .await
        .map_err(|source| BenchError::Connect {
            addr: addr.to_string(),
            source,
        })
}

/// The bench unit's code: writes go to a unit of their own, in region 36.
const BENCH_UNIT: &str = "BENCH-LOAD";
const BENCH_REGION: &str = "36";

fn bench_agreement(title: String, signed: bool) -> pb::Agreement {
    pb::Agreement {
        region_code: BENCH_REGION.into(),
        title,
        cooperation_type: pb::CooperationType::Ksdd as i32,
        document_kind: pb::DocumentKind::Ksb as i32,
        unit: format!("units/{BENCH_UNIT}"),
        sector: "ENVIRONMENT".into(),
        ksdd_basis: pb::KsddBasis::Mandatory as i32,
        parties: vec![pb::Party {
            name: "Pemerintah Kota Tangerang".into(),
            kind: pb::PartyKind::CityGovernment as i32,
            region_code: "36.71".into(),
            country_code: String::new(),
            document_number: String::new(),
        }],
        signed_on: if signed {
            "2016-01-04".into()
        } else {
            String::new()
        },
        effective_from: if signed {
            "2016-01-04".into()
        } else {
            String::new()
        },
        effective_until: if signed {
            "2031-01-03".into()
        } else {
            String::new()
        },
        budget_idr: "1500000000".into(),
        ..Default::default()
    }
}

/// What the callers work on, prepared before the clock starts.
enum Targets {
    None,
    /// The list request to repeat.
    List(Box<pb::ListAgreementsRequest>),
    /// Stage names, one per call.
    Stages(Vec<String>),
    /// One indicator per caller.
    Indicators(Vec<String>),
}

async fn ensure_bench_unit(channel: &Channel, token: &str) -> Result<(), Status> {
    let mut units = pb::unit_service_client::UnitServiceClient::new(channel.clone());
    let created = units
        .create_unit(authed(
            token,
            pb::CreateUnitRequest {
                unit: Some(pb::Unit {
                    code: BENCH_UNIT.into(),
                    region_code: BENCH_REGION.into(),
                    display_name: "Unit beban (kerjasama bench)".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            },
        ))
        .await;
    match created {
        Ok(_) => Ok(()),
        Err(status) if status.code() == tonic::Code::AlreadyExists => Ok(()),
        Err(status) => Err(status),
    }
}

#[derive(Clone, PartialEq, Eq)]
enum ListFilter {
    /// Type, state ACTIVE and unit of a sample agreement.
    Unit,
    /// This query; empty: a word of the sample's title.
    Search(String),
    /// State ACTIVE only (region-wide for an unbound token).
    State,
    /// A [`list_shapes`] spec.
    Shape(String),
}

/// The filtered list of the `list-*` scenarios, from synthetic agreement N/2.
async fn list_request(
    channel: &Channel,
    token: &str,
    register_size: u64,
    filter: ListFilter,
) -> Result<pb::ListAgreementsRequest, Status> {
    use kerjasama_seed::synthetic::synthetic_agreement_id;
    let mut agreements = pb::agreement_service_client::AgreementServiceClient::new(channel.clone());
    // The unit and type of a synthetic agreement in the middle of the register.
    let sample = agreements
        .get_agreement(authed(
            token,
            pb::GetAgreementRequest {
                name: format!(
                    "agreements/{}",
                    synthetic_agreement_id(register_size.div_ceil(2))
                ),
            },
        ))
        .await?
        .into_inner();
    let mut request = pb::ListAgreementsRequest {
        page_size: 50,
        ..Default::default()
    };
    match filter {
        ListFilter::Search(query) if !query.is_empty() => request.query = query,
        ListFilter::Search(_) => {
            // A word of its title, as a user would type it.
            request.query = sample
                .title
                .split_whitespace()
                .max_by_key(|w| w.len())
                .unwrap_or("kerja")
                .to_lowercase();
        }
        ListFilter::Unit => {
            request.cooperation_types = vec![sample.cooperation_type];
            request.states = vec![pb::AgreementState::Active as i32];
            request.unit = sample.unit;
        }
        ListFilter::State => request.states = vec![pb::AgreementState::Active as i32],
        ListFilter::Shape(spec) => {
            request = list_shapes::list_request(&spec, &sample, request.page_size)
                .map_err(Status::invalid_argument)?;
        }
    }
    Ok(request)
}

async fn prepare(config: &Config, channel: &Channel) -> Result<Targets, BenchError> {
    let token = config.token.as_str();
    let scenario = config.scenario;
    let fail = setup_error(scenario);
    Ok(match scenario {
        Scenario::Floor | Scenario::Get => Targets::None,
        Scenario::ListFirst | Scenario::ListSearch => Targets::List(Box::new(
            list_request(
                channel,
                token,
                config.register_size,
                match (scenario, &config.list_shape) {
                    (Scenario::ListSearch, _) => ListFilter::Search(config.query.clone()),
                    (_, Some(spec)) => ListFilter::Shape(spec.clone()),
                    (_, None) => ListFilter::Unit,
                },
            )
            .await
            .map_err(fail)?,
        )),
        Scenario::ListDeep => {
            let mut request = list_request(channel, token, config.register_size, ListFilter::State)
                .await
                .map_err(setup_error(scenario))?;
            let mut agreements =
                pb::agreement_service_client::AgreementServiceClient::new(channel.clone());
            for _ in 1..config.deep_page {
                let page = agreements
                    .list_agreements(authed(token, request.clone()))
                    .await
                    .map_err(setup_error(scenario))?
                    .into_inner();
                if page.next_page_token.is_empty() {
                    return Err(BenchError::Config(format!(
                        "the list has fewer than {} pages of {}",
                        config.deep_page, request.page_size
                    )));
                }
                request.page_token = page.next_page_token;
            }
            Targets::List(Box::new(request))
        }
        Scenario::Create | Scenario::Mix => {
            ensure_bench_unit(channel, token).await.map_err(fail)?;
            Targets::None
        }
        Scenario::CompleteStage => {
            ensure_bench_unit(channel, token)
                .await
                .map_err(setup_error(scenario))?;
            let mut agreements =
                pb::agreement_service_client::AgreementServiceClient::new(channel.clone());
            let mut stages = pb::stage_service_client::StageServiceClient::new(channel.clone());
            let mut names = Vec::new();
            for i in 0..config.requests {
                let created = agreements
                    .create_agreement(authed(
                        token,
                        pb::CreateAgreementRequest {
                            agreement: Some(bench_agreement(format!("Beban tahapan {i}"), false)),
                            request_id: String::new(),
                            complete_through_stage: String::new(),
                        },
                    ))
                    .await
                    .map_err(setup_error(scenario))?
                    .into_inner();
                let list = stages
                    .list_stages(authed(
                        token,
                        pb::ListStagesRequest {
                            parent: created.name.clone(),
                        },
                    ))
                    .await
                    .map_err(setup_error(scenario))?
                    .into_inner();
                let Some(first) = list.stages.first() else {
                    continue;
                };
                if first.status != pb::StageStatus::InProgress as i32 {
                    stages
                        .start_stage(authed(
                            token,
                            pb::StartStageRequest {
                                name: first.name.clone(),
                                ..Default::default()
                            },
                        ))
                        .await
                        .map_err(setup_error(scenario))?;
                }
                names.push(first.name.clone());
            }
            Targets::Stages(names)
        }
        Scenario::CreateRealisation => {
            ensure_bench_unit(channel, token)
                .await
                .map_err(setup_error(scenario))?;
            let mut agreements =
                pb::agreement_service_client::AgreementServiceClient::new(channel.clone());
            let mut benefits =
                pb::benefit_service_client::BenefitServiceClient::new(channel.clone());
            let mut indicators = Vec::new();
            for i in 0..config.concurrency {
                let created = agreements
                    .create_agreement(authed(
                        token,
                        pb::CreateAgreementRequest {
                            agreement: Some(bench_agreement(format!("Beban manfaat {i}"), true)),
                            request_id: String::new(),
                            complete_through_stage: String::new(),
                        },
                    ))
                    .await
                    .map_err(setup_error(scenario))?
                    .into_inner();
                let indicator = benefits
                    .create_indicator(authed(
                        token,
                        pb::CreateIndicatorRequest {
                            parent: created.name,
                            indicator: Some(pb::Indicator {
                                title: "Retribusi harian".into(),
                                category: pb::BenefitCategory::Revenue as i32,
                                unit_of_measure: "IDR".into(),
                                beneficiary: pb::Beneficiary::Region as i32,
                                target_value: "1000000000".into(),
                                ..Default::default()
                            }),
                        },
                    ))
                    .await
                    .map_err(setup_error(scenario))?
                    .into_inner();
                indicators.push(indicator.name);
            }
            Targets::Indicators(indicators)
        }
    })
}

/// One call of the scenario by caller `caller`; `k` counts that caller's calls.
async fn call(
    config: &Config,
    channel: &Channel,
    targets: &Targets,
    caller: usize,
    k: u64,
    issued: u64,
    rng: &mut Rng,
) -> Result<(), Status> {
    use kerjasama_seed::synthetic::synthetic_agreement_id;
    let token = config.token.as_str();
    let mut agreements = pb::agreement_service_client::AgreementServiceClient::new(channel.clone());
    let get = |n: u64| pb::GetAgreementRequest {
        name: format!("agreements/{}", synthetic_agreement_id(n)),
    };
    let create = || pb::CreateAgreementRequest {
        agreement: Some(bench_agreement(
            format!("Kerja sama beban {caller}-{k}"),
            true,
        )),
        // A new resource each time, across runs too.
        request_id: uuid::Uuid::now_v7().to_string(),
        complete_through_stage: String::new(),
    };
    match (config.scenario, targets) {
        (Scenario::Floor, _) => {
            let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
            health
                .check(tonic_health::pb::HealthCheckRequest {
                    service: String::new(),
                })
                .await?;
        }
        (Scenario::Get, _) => {
            let n = rng.ordinal(config.register_size);
            agreements.get_agreement(authed(token, get(n))).await?;
        }
        (Scenario::Mix, _) => {
            if rng.next().is_multiple_of(10) {
                agreements.create_agreement(authed(token, create())).await?;
            } else {
                let n = rng.ordinal(config.register_size);
                agreements.get_agreement(authed(token, get(n))).await?;
            }
        }
        (Scenario::Create, _) => {
            agreements.create_agreement(authed(token, create())).await?;
        }
        (Scenario::ListFirst | Scenario::ListDeep | Scenario::ListSearch, Targets::List(r)) => {
            agreements
                .list_agreements(authed(token, r.as_ref().clone()))
                .await?;
        }
        (Scenario::CompleteStage, Targets::Stages(names)) => {
            let name = names
                .get(issued as usize)
                .cloned()
                .ok_or_else(|| Status::out_of_range("no stage left to complete"))?;
            let mut stages = pb::stage_service_client::StageServiceClient::new(channel.clone());
            stages
                .complete_stage(authed(
                    token,
                    pb::CompleteStageRequest {
                        name,
                        ..Default::default()
                    },
                ))
                .await?;
        }
        (Scenario::CreateRealisation, Targets::Indicators(indicators)) => {
            // Day k of the agreement's term, a period of its own.
            let day = chrono::NaiveDate::from_ymd_opt(2016, 1, 4)
                .and_then(|start| start.checked_add_days(chrono::Days::new(k)))
                .ok_or_else(|| Status::out_of_range("no day left for a realisation"))?;
            let mut benefits =
                pb::benefit_service_client::BenefitServiceClient::new(channel.clone());
            benefits
                .create_realisation(authed(
                    token,
                    pb::CreateRealisationRequest {
                        parent: indicators[caller % indicators.len()].clone(),
                        realisation: Some(pb::Realisation {
                            period_start: day.to_string(),
                            period_end: day.to_string(),
                            value: "2500000".into(),
                            ..Default::default()
                        }),
                    },
                ))
                .await?;
        }
        _ => return Err(Status::internal("scenario without targets")),
    }
    Ok(())
}

/// The request a `list-*` scenario of this config sends (for its plan).
pub async fn list_target(config: &Config) -> Result<pb::ListAgreementsRequest, BenchError> {
    let channel = connect(config.addr).await?;
    match prepare(config, &channel).await? {
        Targets::List(request) => Ok(*request),
        _ => Err(BenchError::Config(format!(
            "{} is not a list scenario",
            config.scenario.name()
        ))),
    }
}

/// Runs one scenario and returns its figures.
pub async fn run(config: Config) -> Result<Report, BenchError> {
    if !config.addr.ip().is_loopback() {
        return Err(BenchError::Config(format!(
            "{} is not a loopback address: the bench only loads a server on this machine",
            config.addr
        )));
    }
    if config.concurrency == 0 || config.concurrency > 1024 {
        return Err(BenchError::Config("concurrency must be 1 to 1024".into()));
    }
    if config.register_size == 0 {
        return Err(BenchError::Config(
            "the register size must be at least 1".into(),
        ));
    }
    let setup_channel = connect(config.addr).await?;
    let targets = Arc::new(prepare(&config, &setup_channel).await?);
    let limit = match &*targets {
        Targets::Stages(names) => config.requests.min(names.len() as u64),
        _ => config.requests,
    };
    let config = Arc::new(config);
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + config.duration;
    let mut callers = Vec::new();
    for caller in 0..config.concurrency {
        let channel = connect(config.addr).await?;
        let config = config.clone();
        let targets = targets.clone();
        let issued = issued.clone();
        callers.push(tokio::spawn(async move {
            let mut histogram =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            let mut rng = Rng(config.seed ^ (caller as u64).wrapping_mul(0x9e37_79b9));
            let (mut errors, mut first_error) = (0u64, None);
            let mut k = 0;
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= limit || Instant::now() >= deadline {
                    break;
                }
                let began = Instant::now();
                let outcome = call(&config, &channel, &targets, caller, k, n, &mut rng).await;
                let micros = began.elapsed().as_micros().max(1) as u64;
                histogram.saturating_record(micros);
                if let Err(status) = outcome {
                    errors += 1;
                    first_error.get_or_insert_with(|| format!("{status:?}"));
                }
                k += 1;
            }
            (histogram, errors, first_error)
        }));
    }
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
    let (mut errors, mut first_error) = (0, None);
    for caller in callers {
        let (h, e, first) = caller
            .await
            .map_err(|e| BenchError::Config(format!("a caller stopped: {e}")))?;
        histogram.add(&h).expect("same bounds");
        errors += e;
        if first_error.is_none() {
            first_error = first;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    Ok(Report {
        scenario: config.scenario.name(),
        concurrency: config.concurrency,
        calls: histogram.len(),
        errors,
        first_error,
        seconds,
        calls_per_second: histogram.len() as f64 / seconds,
        p50_ms: ms(0.50),
        p90_ms: ms(0.90),
        p99_ms: ms(0.99),
        max_ms: histogram.max() as f64 / 1000.0,
    })
}
