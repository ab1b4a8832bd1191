"""Reports: PDFs and CSV/XLSX from plain data handed over by the services."""
