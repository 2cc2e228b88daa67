#!/usr/bin/env python3
"""Writes a register of N agreements with their children as the five import
CSV files (semicolon-separated, as an Indonesian-locale spreadsheet saves
them): per agreement one party, two indicators, two realisations per
indicator and one implementation report. Used by scripts/bench-import.

    python3 scripts/bench-import.py N OUTDIR UNIT
"""
import csv
import os
import sys

n, out, unit = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)


def sheet(name, header, rows):
    with open(os.path.join(out, name + ".csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(header)
        w.writerows(rows)


def number(i):
    return f"BENCH/{i:06d}/2025"


sheet("Perjanjian",
      ["Nomor Dokumen", "Judul", "Jenis Kerja Sama", "Jenis Dokumen", "Kode OPD", "Urusan",
       "Tanggal Tanda Tangan", "Berlaku Mulai", "Berlaku Sampai", "Anggaran (Rp)", "Siklus Laporan"],
      ([number(i), f"Kerja sama pelatihan {i}", "KSDPK", "PKS", unit, "EDUCATION",
        "02/01/2025", "2025-01-02", "2028-01-01", f"{(i % 97 + 1) * 1000000}", "SEMESTER"]
       for i in range(1, n + 1)))
sheet("Pihak", ["Nomor Dokumen", "Nama Pihak", "Jenis Pihak"],
      ([number(i), f"Universitas Mitra {i % 50}", "UNIVERSITY"] for i in range(1, n + 1)))
sheet("Indikator",
      ["Nomor Dokumen", "Judul Indikator", "Kategori", "Satuan", "Penerima Manfaat", "Target"],
      (row for i in range(1, n + 1) for row in (
          [number(i), "Peserta pelatihan", "SERVICE_REACH", "PERSON", "REGION", "120"],
          [number(i), "Penghematan biaya", "COST_SAVING", "IDR", "REGION", "250.000.000"])))
sheet("Realisasi",
      ["Nomor Dokumen", "Judul Indikator", "Periode Mulai", "Periode Selesai", "Nilai"],
      (row for i in range(1, n + 1) for row in (
          [number(i), "Peserta pelatihan", "2025-01-02", "2025-06-30", "40"],
          [number(i), "Peserta pelatihan", "2025-07-01", "2025-12-31", "55"],
          [number(i), "Penghematan biaya", "2025-01-02", "2025-06-30", "1.500.000"],
          [number(i), "Penghematan biaya", "2025-07-01", "2025-12-31", "2.250.000,00"])))
sheet("Laporan Pelaksanaan",
      ["Nomor Dokumen", "Awal Siklus", "Tanggal Disampaikan", "Ringkasan", "Kemajuan (%)"],
      ([number(i), "2025-07-01", "2026-01-10", "Berjalan sesuai rencana", "50"] for i in range(1, n + 1)))
