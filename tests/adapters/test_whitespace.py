"""The template indentation collapsed at compile time (okrsite/mkdocs_plugin/whitespace.py):
runs of literal whitespace with a line break become one line break, except inside <pre>,
<code>, <textarea>, <script> and quoted attribute values, and only in the templates under
the given roots."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from okrsite.mkdocs_plugin.whitespace import install, without_blank_lines

TEMPLATE = """<ul>
    {% for x in items %}
      <li title="a
         b">{{ x }}</li>
    {% endfor %}
</ul>
<pre>  one
     two</pre>
<script>var s = "x
   y";</script>
<p>keep  two spaces</p>
"""


def _render(tmp_path: Path, roots: list[Path]) -> str:
    (tmp_path / "t.html").write_text(TEMPLATE)
    env = Environment(loader=FileSystemLoader(str(tmp_path)))
    install(env, roots)
    return env.get_template("t.html").render(items=["A  B", "C"])


def test_indentation_collapses_but_pre_script_and_attributes_keep_theirs(tmp_path):
    out = _render(tmp_path, [tmp_path])
    # one line break for each run of the template's own text (either side of a tag);
    # a value written from a variable ("A  B") is the page's, and kept
    assert out == ('<ul>\n\n<li title="a\n         b">A  B</li>\n\n'
                   '<li title="a\n         b">C</li>\n\n</ul>\n'
                   '<pre>  one\n     two</pre>\n<script>var s = "x\n   y";</script>\n'
                   "<p>keep  two spaces</p>")


def test_templates_outside_the_roots_are_left_as_written(tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    out = _render(tmp_path, [other])
    assert out == Environment().from_string(TEMPLATE).render(items=["A  B", "C"])


def test_blank_lines_between_tags_go_but_pre_code_script_and_attributes_keep_theirs():
    page = ('<ul>\n\n\n<li title="a\n\nb">\n  \nHome\n\n</li>\n\n</ul>\n'
            '<pre>one\n\n\ntwo</pre>\n\n<code>a\n\nb</code>\n'
            '<script>var s = 1;\n\n\nvar t = 2;</script>\n\n<p>words\n\nmore</p>\n')
    assert without_blank_lines(page) == (
        '<ul>\n<li title="a\n\nb">\nHome\n</li>\n</ul>\n'
        '<pre>one\n\n\ntwo</pre>\n<code>a\n\nb</code>\n'
        '<script>var s = 1;\n\n\nvar t = 2;</script>\n<p>words\n\nmore</p>\n')


def test_blank_lines_inside_the_article_are_left_as_they_are():
    page = "<body>\n\n<article>\n\n<p>a</p>\n\n</article>\n\n<footer>\n\n</footer>\n"
    assert without_blank_lines(page) == \
        "<body>\n<article>\n\n<p>a</p>\n\n</article>\n<footer>\n</footer>\n"


def test_blank_lines_right_next_to_a_kept_element_go_and_only_those():
    # The runs touching `<pre>`, `<code>` and `<script>` from outside are next to a tag;
    # a run between words, and the runs inside the kept elements, are not cut.
    page = ('\n\n<pre>a\n\nb</pre>\n \n<code>c\n\n</code>\n\n\nx\n\ny\n\n'
            '<script>\n\n</script>\n\n')
    assert without_blank_lines(page) == (
        '\n<pre>a\n\nb</pre>\n<code>c\n\n</code>\n'
        'x\n\ny\n<script>\n\n</script>\n')
