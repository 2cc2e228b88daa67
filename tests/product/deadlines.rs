//! Issue 17, item 7: a call whose deadline passes is answered
//! DEADLINE_EXCEEDED, never `CANCELLED "Timeout expired"` (tonic's own
//! answer), under load. The calls go over a bare HTTP/2 connection so that
//! every status seen is the server's, not a client timer's.

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, raw_connection, raw_unary};
use tonic::Code;

use crate::fixtures::{create, create_unit, ksdd_ksb};

#[tokio::test]
async fn an_expired_deadline_is_deadline_exceeded_under_load() {
    let server = TestServer::start().await;
    create_unit(&server, "DPMPTSP").await;
    for i in 0..20 {
        create(
            &server,
            ksdd_ksb("DPMPTSP", &format!("Kerja sama bidang {i}")),
        )
        .await;
    }
    let bearer = format!("Bearer {}", server.admin);
    let connection = raw_connection(server.addr).await;
    // 8 callers, 40 calls each, deadlines of 1 to 40 ms: lists and creates,
    // so that some are answered in time and some are not.
    let callers = (0..8).map(|caller| {
        let connection = connection.clone();
        let bearer = bearer.clone();
        let addr = server.addr;
        tokio::spawn(async move {
            let mut codes = Vec::new();
            for call in 0..40 {
                let timeout = format!("{}m", 1 + (caller + call) % 40);
                let metadata = [("authorization", bearer.clone()), ("grpc-timeout", timeout)];
                let answer = if call % 2 == 0 {
                    raw_unary(
                        &connection,
                        addr,
                        "/kerjasama.v1.AgreementService/ListAgreements",
                        &metadata,
                        &pb::ListAgreementsRequest {
                            page_size: 100,
                            ..Default::default()
                        },
                    )
                    .await
                } else {
                    raw_unary(
                        &connection,
                        addr,
                        "/kerjasama.v1.AgreementService/CreateAgreement",
                        &metadata,
                        &pb::CreateAgreementRequest {
                            agreement: Some(ksdd_ksb(
                                "DPMPTSP",
                                &format!("Kerja sama tenggat {caller}-{call}"),
                            )),
                            ..Default::default()
                        },
                    )
                    .await
                };
                codes.push(answer);
            }
            codes
        })
    });
    let mut answers = Vec::new();
    for caller in callers {
        answers.extend(caller.await.unwrap());
    }
    let mut by_code = std::collections::BTreeMap::<String, usize>::new();
    for (code, _) in &answers {
        *by_code.entry(format!("{code:?}")).or_default() += 1;
    }
    eprintln!("{} calls answered: {by_code:?}", answers.len());
    let unexpected: Vec<_> = answers
        .iter()
        .filter(|(code, _)| !matches!(code, Code::Ok | Code::DeadlineExceeded))
        .take(3)
        .collect();
    assert!(
        unexpected.is_empty(),
        "statuses other than OK and DEADLINE_EXCEEDED ({by_code:?}), for example {unexpected:?}"
    );
    assert!(
        by_code.get("DeadlineExceeded").is_some_and(|n| *n > 0),
        "no call's deadline passed: the test proves nothing"
    );

    // A deadline no call can meet is DEADLINE_EXCEEDED on every service.
    let (code, message) = raw_unary(
        &connection,
        server.addr,
        "/kerjasama.v1.UnitService/ListUnits",
        &[
            ("authorization", bearer.clone()),
            ("grpc-timeout", "1n".into()),
        ],
        &pb::ListUnitsRequest::default(),
    )
    .await;
    assert_eq!(code, Code::DeadlineExceeded, "{message}");
}
