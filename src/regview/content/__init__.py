"""Content of a file or blob, for viewers: no Textual, no Rich, no HTTP.

* :mod:`.source`: :class:`ContentSource`, what a viewer reads windows of bytes from,
  and :class:`SpooledContent`, a producer's bytes spooled to an anonymous temp file;
* :mod:`.sniff`: text or binary from the first bytes; a lexer name from the file name;
* :mod:`.line_index`: line starts of text that may be gigabytes long, in bounded memory;
* :mod:`.hexdump`: rows of a hex dump;
* :mod:`.search`: find bytes forward or backward in a source, waiting for what arrives;
* :mod:`.save_target`: where a file may be saved (a sanitised default name, checks).
"""
