#!/usr/bin/env node
// A third-party Node client of kerjasama.v1 (@grpc/grpc-js, with @grpc/proto-loader
// loading proto/ at run time), checking what such a client relies on:
//
//  1. CreateAgreement with a request_id (and that a retry returns the same agreement);
//  2. ListAgreements with filters, following next_page_token over two pages;
//  3. an INVALID_ARGUMENT whose google.rpc.Status in the grpc-status-details-bin
//     trailer (decoded with protobufjs from proto/google/rpc/*.proto beside this
//     file) holds a google.rpc.BadRequest naming the offending field;
//  4. RunReport, GetReportRun until SUCCEEDED, DownloadReportFile of a CSV, which
//     must parse as non-empty CSV and match the run's manifest (SHA-256).
//
// Usage: node client.mjs --addr HOST:PORT --token ADMIN_TOKEN
//        (or KERJASAMA_ADDR and KERJASAMA_TOKEN / KERJASAMA_TOKEN_FILE)
// Exits 0 when every check passed, else 1 with the failed check on stderr.

import { createHash, randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const PROTO_DIR = process.env.KERJASAMA_PROTO_DIR ?? resolve(HERE, "../../../proto");
const CALL_TIMEOUT_MS = 15_000;
const REPORT_TIMEOUT_MS = 180_000;

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

function options() {
  const { values } = parseArgs({
    options: {
      addr: { type: "string", default: process.env.KERJASAMA_ADDR },
      token: { type: "string", default: process.env.KERJASAMA_TOKEN },
      "token-file": { type: "string", default: process.env.KERJASAMA_TOKEN_FILE },
    },
  });
  if (!values.token && values["token-file"]) {
    values.token = readFileSync(values["token-file"], "utf8").trim();
  }
  if (!values.addr) throw new CheckFailed("no server address: give --addr or set KERJASAMA_ADDR");
  if (!values.token) throw new CheckFailed("no token: give --token / --token-file or set KERJASAMA_TOKEN");
  return values;
}

function loadContract() {
  const files = readdirSync(join(PROTO_DIR, "kerjasama", "v1"))
    .filter((f) => f.endsWith(".proto"))
    .map((f) => `kerjasama/v1/${f}`);
  check(files.length > 0, `no .proto files under ${PROTO_DIR}/kerjasama/v1`);
  const definition = protoLoader.loadSync(files, {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).kerjasama.v1;
}

// keepCase: the proto's field names (field_violations, type_url), as in the contract.
const rpcTypes = new protobuf.Root().loadSync(
  [join(HERE, "proto/google/rpc/status.proto"), join(HERE, "proto/google/rpc/error_details.proto")],
  { keepCase: true },
);
const Status = rpcTypes.lookupType("google.rpc.Status");
const BadRequest = rpcTypes.lookupType("google.rpc.BadRequest");

/** The fields named by the google.rpc.BadRequest in a failed call's trailer. */
function badRequestFields(error) {
  const raw = error.metadata?.get("grpc-status-details-bin") ?? [];
  check(raw.length === 1, `${error.code} carries no grpc-status-details-bin trailer`);
  const status = Status.decode(raw[0]);
  check(status.code === error.code, `google.rpc.Status code ${status.code} differs from the call's ${error.code}`);
  const fields = [];
  for (const detail of status.details) {
    if (detail.type_url === "type.googleapis.com/google.rpc.BadRequest") {
      const badRequest = BadRequest.decode(detail.value);
      fields.push(...badRequest.field_violations.map((v) => v.field));
    }
  }
  check(fields.length > 0, `no google.rpc.BadRequest among the details ${status.details.map((d) => d.type_url)}`);
  return fields;
}

class CallError extends CheckFailed {
  constructor(rpc, error) {
    super(`${rpc}: ${grpc.status[error.code] ?? error.code}: ${error.details}`);
    this.error = error;
  }
}

async function expectInvalid(call, field, what) {
  try {
    await call();
  } catch (failed) {
    if (!(failed instanceof CallError)) throw failed;
    const error = failed.error;
    check(
      error.code === grpc.status.INVALID_ARGUMENT,
      `${what}: expected INVALID_ARGUMENT, got ${grpc.status[error.code]}: ${error.details}`,
    );
    const fields = badRequestFields(error);
    check(fields.includes(field), `${what}: expected a violation of ${field}, got ${JSON.stringify(fields)}`);
    console.log(`  ${what}: INVALID_ARGUMENT, BadRequest names ${field}`);
    return;
  }
  throw new CheckFailed(`${what}: the call succeeded; expected INVALID_ARGUMENT on ${field}`);
}

/** A minimal RFC 4180 parser (quoted fields, doubled quotes, CRLF or LF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  check(!quoted, "CSV ends inside a quoted field");
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function run() {
  const args = options();
  const v1 = loadContract();
  const credentials = grpc.credentials.createInsecure();
  const agreements = new v1.AgreementService(args.addr, credentials);
  const units = new v1.UnitService(args.addr, credentials);
  const reports = new v1.ReportService(args.addr, credentials);
  await new Promise((done, fail) =>
    agreements.waitForReady(Date.now() + CALL_TIMEOUT_MS, (error) =>
      error ? fail(new CheckFailed(`cannot connect to ${args.addr}: ${error.message}`)) : done(),
    ),
  );
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${args.token}`);
  const deadline = () => ({ deadline: Date.now() + CALL_TIMEOUT_MS });

  const call = (client, rpc, request) =>
    new Promise((done, fail) =>
      client[rpc](request, metadata, deadline(), (error, response) =>
        error ? fail(new CallError(rpc, error)) : done(response),
      ),
    );
  const stream = (client, rpc, request) =>
    new Promise((done, fail) => {
      const messages = [];
      const call = client[rpc](request, metadata, deadline());
      call.on("data", (message) => messages.push(message));
      call.on("error", (error) => fail(new CallError(rpc, error)));
      call.on("end", () => done(messages));
    });

  // Our own unit and agreements, so the script runs on any register.
  const marker = randomUUID().replaceAll("-", "").slice(0, 10).toUpperCase();
  const unit = await call(units, "CreateUnit", {
    unit: { code: `JS-${marker}`, region_code: "36", display_name: `Dinas Uji Node ${marker}` },
    request_id: randomUUID(),
  });
  console.log(`  created ${unit.name}`);
  const agreement = (i) => ({
    region_code: "36",
    title: `Node client check ${marker} #${i}`,
    cooperation_type: "COOPERATION_TYPE_KSDPK",
    document_kind: "DOCUMENT_KIND_PKS",
    unit: unit.name,
    sector: "EDUCATION",
    parties: [{ name: "Universitas Sultan Ageng Tirtayasa", kind: "PARTY_KIND_UNIVERSITY" }],
    budget_idr: "1500000000",
  });

  // 1. Create with a request_id; a retry with the same id is the same agreement.
  const created = [];
  for (let i = 0; i < 3; i++) {
    const request = { agreement: agreement(i), request_id: randomUUID() };
    const first = await call(agreements, "CreateAgreement", request);
    check(first.name.startsWith("agreements/"), `CreateAgreement returned name ${first.name}`);
    check(first.state === "AGREEMENT_STATE_DRAFT", `a new agreement is ${first.state}`);
    check(first.budget_idr === "1500000000", `budget_idr came back as ${first.budget_idr}`);
    if (i === 0) {
      const retry = await call(agreements, "CreateAgreement", request);
      check(retry.name === first.name, `a retry with request_id ${request.request_id} created ${retry.name}, not ${first.name}`);
    }
    created.push(first.name);
  }
  console.log(`  created 3 agreements (a retry with the same request_id returned the first): ${created.join(", ")}`);

  // 2. A filtered list over two pages.
  const listRequest = {
    page_size: 2,
    query: `Node client check ${marker}`,
    cooperation_types: ["COOPERATION_TYPE_KSDPK"],
    order_by: "title",
  };
  const page1 = await call(agreements, "ListAgreements", listRequest);
  check(page1.agreements.length === 2, `page 1 holds ${page1.agreements.length} agreements, not 2`);
  check(page1.next_page_token, "page 1 of 3 agreements with page_size 2 has no next_page_token");
  const page2 = await call(agreements, "ListAgreements", { ...listRequest, page_token: page1.next_page_token });
  check(page2.agreements.length === 1, `page 2 holds ${page2.agreements.length} agreements, not 1`);
  check(!page2.next_page_token, `the last page has a next_page_token ${page2.next_page_token}`);
  const listed = [...page1.agreements, ...page2.agreements];
  check(
    JSON.stringify(listed.map((a) => a.name).sort()) === JSON.stringify([...created].sort()),
    `the two pages list ${listed.map((a) => a.name)}, created were ${created}`,
  );
  const titles = listed.map((a) => a.title);
  check(JSON.stringify(titles) === JSON.stringify([...titles].sort()), `order_by title gave ${titles}`);
  console.log("  ListAgreements: 2 pages of the 3 agreements, in title order");

  // 3. INVALID_ARGUMENT with a google.rpc.BadRequest naming the field.
  const foreign = {
    region_code: "36",
    title: `Node client check ${marker} invalid`,
    cooperation_type: "COOPERATION_TYPE_KSDPL",
    document_kind: "DOCUMENT_KIND_KSB",
    unit: unit.name,
    sector: "AGRICULTURE",
    parties: [
      { name: "Ibaraki Prefectural Government", kind: "PARTY_KIND_FOREIGN_REGIONAL_GOVERNMENT", country_code: "ID" },
    ],
  };
  await expectInvalid(
    () => call(agreements, "CreateAgreement", { agreement: foreign }),
    "agreement.parties[0].country_code",
    "a foreign partner in Indonesia",
  );
  await expectInvalid(
    () => call(agreements, "ListAgreements", { ...listRequest, query: "something else", page_token: page1.next_page_token }),
    "page_token",
    "a page token of another filter",
  );

  // 4. A report run, polled until it succeeded, and one of its CSVs.
  let reportRun = await call(reports, "RunReport", {});
  check(reportRun.name.startsWith("reportRuns/"), `RunReport returned name ${reportRun.name}`);
  const until = Date.now() + REPORT_TIMEOUT_MS;
  while (!["REPORT_RUN_STATE_SUCCEEDED", "REPORT_RUN_STATE_FAILED"].includes(reportRun.state)) {
    check(Date.now() < until, `${reportRun.name} still ${reportRun.state} after ${REPORT_TIMEOUT_MS / 1000} s`);
    await sleep(200);
    reportRun = await call(reports, "GetReportRun", { name: reportRun.name });
  }
  check(reportRun.state === "REPORT_RUN_STATE_SUCCEEDED", `${reportRun.name} FAILED: ${reportRun.error}`);
  console.log(`  ${reportRun.name} SUCCEEDED with ${reportRun.files.length} files`);

  const download = async (file, dialect = "") => {
    const chunks = await stream(reports, "DownloadReportFile", { run: reportRun.name, file, dialect });
    check(chunks.every((c) => c.data.length <= 64 * 1024), `${file}: a chunk larger than 64 KiB`);
    return Buffer.concat(chunks.map((c) => c.data));
  };
  check(reportRun.files.includes("evaluation_summary.csv"), `no evaluation_summary.csv in ${reportRun.files}`);
  const data = await download("evaluation_summary.csv");
  check(data.length > 0, "evaluation_summary.csv is empty");
  const rows = parseCsv(data.toString("utf8"));
  check(rows.length >= 2, `evaluation_summary.csv has ${rows.length} lines; expected a header and rows`);
  const header = rows[0];
  check(header[0] === "cooperation_type" && header.length > 1, `evaluation_summary.csv header: ${header}`);
  check(rows.every((r) => r.length === header.length), "evaluation_summary.csv rows differ in length from the header");
  const manifest = JSON.parse((await download("manifest.json")).toString("utf8"));
  const entry = (manifest.files ?? []).find((f) => f.name === "evaluation_summary.csv");
  check(entry, "manifest.json does not list evaluation_summary.csv");
  check(
    createHash("sha256").update(data).digest("hex") === entry.sha256 && data.length === entry.bytes,
    "the downloaded evaluation_summary.csv differs from the manifest's SHA-256 or size",
  );
  console.log(
    `  DownloadReportFile: evaluation_summary.csv, ${rows.length - 1} rows x ${header.length} columns, SHA-256 as in manifest.json`,
  );
  await expectInvalid(
    () => download("evaluation_summary.csv", "semicolon"),
    "dialect",
    "a download with an unknown CSV dialect",
  );
  for (const client of [agreements, units, reports]) client.close();
}

try {
  await run();
  console.log("node client: ok");
} catch (error) {
  if (error instanceof CheckFailed) {
    console.error(`node client: FAILED: ${error.message}`);
  } else {
    console.error(error);
    console.error(`node client: FAILED with ${error?.name}: ${error?.message}`);
  }
  process.exit(1);
}
