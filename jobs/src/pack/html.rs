//! The pack as one self-contained HTML page (no external assets), laid out
//! for the screen and for print: A4 landscape, each section on its own page,
//! a running header with the region, the as-of date and the period, page
//! numbers, and nothing wider than the page.

use super::chart;
use super::model::{Block, Cell, Pack, PackTable};
use crate::error::JobResult;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn cell_html(tag: &str, cell: &Cell, bold: bool) -> String {
    // Numbers and short cells (a date, a code, a unit's short name) never
    // break across lines: "31 Agustus 2025" stays one line.
    let class = if cell.numeric {
        " class=\"n\""
    } else if cell.text.chars().count() <= 20 {
        " class=\"k\""
    } else {
        ""
    };
    let mut text = escape(&cell.text);
    if bold {
        text = format!("<strong>{text}</strong>");
    }
    if let Some(note) = &cell.note {
        text.push_str(&format!("<br><small>{}</small>", escape(note)));
    }
    format!("<{tag}{class}>{text}</{tag}>")
}

fn table_html(table: &PackTable) -> String {
    let mut html = String::from("<table><thead><tr>");
    for heading in &table.headers {
        if heading.id == heading.en {
            html.push_str(&format!("<th>{}</th>", escape(&heading.id)));
        } else {
            html.push_str(&format!(
                "<th>{}<br><span class=\"en\">{}</span></th>",
                escape(&heading.id),
                escape(&heading.en)
            ));
        }
    }
    html.push_str("</tr></thead><tbody>");
    let last = table.rows.len().saturating_sub(1);
    for (i, row) in table.rows.iter().enumerate() {
        html.push_str("<tr>");
        for cell in row {
            html.push_str(&cell_html("td", cell, table.total_row && i == last));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    if let Some((count, file)) = &table.omitted {
        html.push_str(&format!(
            "<p class=\"note\">… dan {} baris lainnya: lihat <code>{}</code>. / … and {} more rows in <code>{}</code>.</p>",
            crate::indonesian::integer(*count as i128),
            escape(file),
            crate::indonesian::integer(*count as i128),
            escape(file)
        ));
    }
    html
}

const STYLE: &str = "\
@page{size:A4 landscape;margin:18mm 14mm 16mm 14mm}\
*{box-sizing:border-box}\
body{font-family:'DejaVu Sans','Noto Sans',Arial,sans-serif;margin:0 auto;max-width:1100px;padding:1em 1.5em;color:#111;font-size:13px}\
header.run{border-bottom:1px solid #555;margin-bottom:.8em;padding-bottom:.3em}\
header.run h1{font-size:22px;margin:0 0 .2em}\
header.run p{margin:0;color:#333}\
h2{font-size:17px;margin:1.2em 0 .5em;break-after:avoid}\
h2 .en,th .en{font-weight:normal;color:#555}\
h2 .en{font-size:13px}\
th .en{font-size:10px}\
section{break-before:page}\
section:first-of-type{break-before:auto}\
table{border-collapse:collapse;width:100%;table-layout:auto;font-size:11.5px;margin:.4em 0}\
th,td{border:1px solid #999;padding:3px 6px;vertical-align:top;text-align:left;overflow-wrap:break-word}\
th{background:#e8e8e8}\
td.n{text-align:right;white-space:nowrap}\
td.k{white-space:nowrap}\
td small{color:#555;font-size:9px}\
thead{display:table-header-group}\
tr{break-inside:avoid}\
ul.summary li{margin:.35em 0;font-size:14px;line-height:1.4}\
figure{margin:.5em 0;break-inside:avoid}\
figure svg{width:100%;height:auto;max-height:150mm}\
p.note{color:#444;font-size:11px}\
footer.run{margin-top:2em;color:#555;font-size:10px}\
@media print{\
body{max-width:none;padding:0;font-size:11px}\
header.run{margin-top:0}\
}\
@page{@bottom-right{content:'Halaman ' counter(page) ' dari ' counter(pages);font-size:9px;color:#333}}";

/// A CSS string literal.
fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || c == '<' || c == '>' => {
                out.push_str(&format!("\\{:x} ", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The running header of every printed page, in the page's top margin.
fn running_header(pack: &Pack) -> String {
    format!(
        "@page{{@top-left{{content:{};font-family:sans-serif;font-size:9px;color:#333;border-bottom:.5px solid #777}}\
         @top-right{{content:{};font-family:sans-serif;font-size:9px;color:#333;border-bottom:.5px solid #777}}}}",
        css_string(&format!("{} · {}", pack.title, pack.region)),
        css_string(&format!("per {} · periode {}", pack.as_of, pack.period)),
    )
}

pub fn render(pack: &Pack) -> JobResult<String> {
    let mut body = String::new();
    for section in &pack.sections {
        body.push_str(&format!(
            "<section id=\"{}\"><h2>{} <span class=\"en\">/ {}</span></h2>",
            section.anchor,
            escape(&section.heading.id),
            escape(&section.heading.en)
        ));
        for block in &section.blocks {
            match block {
                Block::Sentences(lines) => {
                    body.push_str("<ul class=\"summary\">");
                    for line in lines {
                        body.push_str(&format!("<li>{}</li>", escape(line)));
                    }
                    body.push_str("</ul>");
                }
                Block::Paragraph(text) => body.push_str(&format!("<p>{}</p>", escape(text))),
                Block::Table(table) => body.push_str(&table_html(table)),
                Block::Chart(c) => {
                    body.push_str("<figure>");
                    body.push_str(&chart::svg(c, "DejaVu Sans, Noto Sans, Arial, sans-serif")?);
                    body.push_str("</figure>");
                }
            }
        }
        body.push_str("</section>");
    }
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"id\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}: {as_of}</title><style>{STYLE}{running}</style></head><body>\
         <header class=\"run\"><h1>{title}</h1>\
         <p><strong>{region}</strong> · per <strong>{as_of}</strong> · periode {period}</p></header>\
         {body}\
         <footer class=\"run\">{provenance}</footer></body></html>\n",
        title = escape(&pack.title),
        as_of = escape(&pack.as_of),
        region = escape(&pack.region),
        period = escape(&pack.period),
        running = running_header(pack),
        provenance = escape(&pack.provenance),
    ))
}
