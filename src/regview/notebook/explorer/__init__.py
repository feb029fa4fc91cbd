"""The kernel side of the notebook explorer widget, without Jupyter.

:mod:`regview.notebook.widget` is the anywidget; everything it shows is computed here
from the public API (:mod:`regview.registry`), as plain JSON-able values:

* :mod:`.text`: registry strings made safe to show (no control or bidi characters), sizes,
  dates, one-line error messages;
* :mod:`.rows`: a list the front end shows a window of (:class:`~.rows.RowList`: items,
  a filter, a version the front end keeps its row cache by);
* :mod:`.tags`: the tag rows and their columns, read lazily for the window shown;
* :mod:`.tree`: the index/manifest tree, flattened into rows, loaded as nodes open;
* :mod:`.details`: what the node under the cursor is, as a small document of blocks;
* :mod:`.files`: a layer's files or an image's merged filesystem, as rows;
* :mod:`.tasks`: one task per pane, cancelled when the user moves on, failures reported;
* :mod:`.status`: the status line.

Nothing here imports Textual, ipywidgets or anywidget, and no registry string is ever
interpreted: the front end puts every one of them in the page with ``textContent``.
"""
