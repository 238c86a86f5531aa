#!/usr/bin/env python3
"""Renders the Markdown guides of doc/ into HTML beside the qdoc reference, then checks links.

  render-guides.py DOC_DIR OUTPUT_DIR

The guides stay Markdown so that they read well in the repository; here each becomes
OUTPUT_DIR/<name>.html in the reference's style, links between guides point at the rendered
pages, and doc/images/ is copied so that the diagrams show.
"""

import html
import os
import re
import shutil
import sys

import markdown

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} | Background</title>
  <link rel="stylesheet" type="text/css" href="style/offline-simple.css" />
  <link rel="stylesheet" type="text/css" href="style/offline.css" />
</head>
<body>
<div class="header" id="qtdocheader">
  <div class="main"><div class="main-rounded"><div class="navigationbar">
    <ul><li><a href="index.html">Background</a></li><li>{title}</li></ul>
  </div></div></div>
</div>
<div class="content"><div class="line"><div class="content mainContent">
{body}
</div></div></div>
</body>
</html>
"""


def main():
    doc_dir, output_dir = sys.argv[1], sys.argv[2]
    os.makedirs(output_dir, exist_ok=True)
    guides = sorted(name for name in os.listdir(doc_dir) if name.endswith('.md'))
    for name in guides:
        with open(os.path.join(doc_dir, name), encoding='utf-8') as source:
            text = source.read()
        heading = re.search(r'^#\s+(.+)$', text, re.M)
        title = heading.group(1).strip() if heading else name[:-3]
        body = markdown.markdown(text, extensions=['tables', 'fenced_code', 'toc'])
        # A link to another guide goes to its page; one into the source tree stays as it is.
        body = re.sub(r'href="(?!\w+://)([\w-]+)\.md(#[\w-]*)?"',
                      lambda m: 'href="%s.html%s"' % (m.group(1), m.group(2) or ''), body)
        page = PAGE.format(title=html.escape(title), body=body)
        with open(os.path.join(output_dir, name[:-3] + '.html'), 'w', encoding='utf-8') as out:
            out.write(page)
    images = os.path.join(doc_dir, 'images')
    if os.path.isdir(images):
        shutil.copytree(images, os.path.join(output_dir, 'images'), dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns('*.dot'))
    print('%d guides rendered into %s' % (len(guides), output_dir))

    # Every local link and image of the whole output, qdoc's pages included, must resolve.
    broken = []
    for page in sorted(os.listdir(output_dir)):
        if not page.endswith('.html'):
            continue
        with open(os.path.join(output_dir, page), encoding='utf-8') as source:
            text = source.read()
        for target in re.findall(r'(?:href|src)="([^"#:]+)(?:#[^"]*)?"', text):
            if not os.path.exists(os.path.join(output_dir, target)):
                broken.append('%s: %s' % (page, target))
    for line in broken:
        print('broken link: ' + line)
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main())
