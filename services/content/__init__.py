"""Document content: type checks, PDF cleaning, text extraction and shared renditions.

- `files`: accepted types, sniffing the type of an upload, the text of a document
  by place (`extract_places`) as the program that opens it would show it;
- `ooxml`, `pdf`: DOCX/XLSX through their package relationships, PDFs with their
  annotations, form fields, attachments, metadata and scripts; PDF cleaning;
- `verify`: an upload opens as its type and nothing else (no polyglots);
- `worker`: all of the above on untrusted files runs in a child process with
  CPU, memory, wall-clock and output limits;
- `renditions`: the shared JSON and PDF renditions of a redacted report.
"""
