#!/usr/bin/env python3
"""Fails when a public C++ or QML member has no reference documentation.

qdoc 6.4 leaves an undocumented member out of the HTML without a word, so the list of what must
be documented comes from elsewhere: the public headers, parsed with libclang (Debian:
python3-clang-14), and the module's .qmltypes, which list exactly what QML sees. Both are
compared with the index qdoc writes, which holds only documented nodes.

  check-doc-coverage.py --index background.index [--qmltypes X.qmltypes --html-dir DIR]
                        [--header H]... -- <clang arguments>
"""

import argparse
import re
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter

# What Q_OBJECT, Q_GADGET and friends declare: never documented by hand.
META_MEMBERS = {
    'staticMetaObject', 'metaObject', 'qt_metacast', 'qt_metacall', 'qt_static_metacall',
    'qt_check_for_QGADGET_macro', 'QtGadgetHelper', 'tr', 'trUtf8', 'qt_getEnumMetaObject',
    'qt_getEnumName', 'QPrivateSignal',
}


def cpp_name(names):
    return '::'.join(n for n in names if n)


# --- The documented side: qdoc's index --------------------------------------------------------

def documented_nodes(index_path):
    """(kind, qualified name) -> how many documented nodes (overloads count one each)."""
    found = Counter()
    properties = set()
    qml = {}  # QML type -> Counter of (kind, member)
    qml_pages = {}  # QML type -> its page

    def walk(element, scope, qml_type):
        for child in element:
            tag = child.tag
            name = child.get('name', '')
            # qdoc writes a member into the index only when it is documented (an accessor: when
            # its property is); a class node, also when only some of its members are.
            if tag in ('namespace', 'class', 'struct', 'union'):
                if child.get('documented') == 'true':
                    found[('class', cpp_name(scope + [name]))] += 1
                walk(child, scope + [name], None)
            elif tag in ('qmlclass', 'qmlvaluetype', 'qmlbasictype'):
                members = qml.setdefault(name, Counter())
                qml_pages[name] = child.get('href', '')
                walk(child, scope, members)
            elif qml_type is not None:
                if tag == 'qmlproperty':
                    qml_type[('property', name)] += 1
                elif tag == 'function':
                    meta = child.get('meta', '')
                    kind = 'signal' if 'signal' in meta else 'method'
                    qml_type[(kind, name)] += 1
                elif tag == 'qmlpropertygroup':
                    walk(child, scope, qml_type)
            elif tag == 'function' and child.get('meta', '').startswith('macro'):
                found[('macro', name)] += 1
            elif tag == 'function':
                found[('function', cpp_name(scope + [name]))] += 1
            elif tag == 'property':
                properties.add(cpp_name(scope + [name]))
            elif tag in ('variable', 'enum', 'typedef', 'typealias'):
                found[('value', cpp_name(scope + [name]))] += 1
            else:
                walk(child, scope, qml_type)

    walk(ElementTree.parse(index_path).getroot(), [], None)
    return found, properties, qml, qml_pages


# --- The C++ side: the public headers --------------------------------------------------------

def declared_macros(headers):
    """The public macros (BACKGROUND_VERSION and friends; not the export macros)."""
    names = set()
    for header in headers:
        for name in re.findall(r'^#\s*define\s+(BACKGROUND_\w+)', open(header).read(), re.M):
            if 'EXPORT' not in name and not name.endswith('_H'):
                names.add(name)
    return names


def declared_cpp(headers, clang_args):
    import clang.cindex as ci
    kinds = ci.CursorKind
    index = ci.Index.create()
    wanted = Counter()
    properties = set()
    problems = []

    def from_header(cursor, header):
        return cursor.location.file is not None and cursor.location.file.name == header

    def deleted(cursor):
        tokens = [t.spelling for t in cursor.get_tokens()]  # "= delete" with or without ';'
        return ['=', 'delete'] in (tokens[-2:], tokens[-3:-1])

    def walk(cursor, scope, header, in_class):
        for c in cursor.get_children():
            if not from_header(c, header):
                continue
            name = c.spelling
            if in_class and c.access_specifier != ci.AccessSpecifier.PUBLIC:
                continue
            if name in META_MEMBERS or name.startswith('qt_'):
                continue
            if c.kind == kinds.NAMESPACE:
                walk(c, scope + [name], header, False)
            elif c.kind in (kinds.CLASS_DECL, kinds.STRUCT_DECL):
                if not c.is_definition() or name.endswith(('Private', 'Data')):
                    continue
                wanted[('class', cpp_name(scope + [name]))] += 1
                walk(c, scope + [name], header, True)
            elif c.kind in (kinds.CXX_METHOD, kinds.CONSTRUCTOR, kinds.DESTRUCTOR,
                            kinds.CONVERSION_FUNCTION, kinds.FUNCTION_DECL,
                            kinds.FUNCTION_TEMPLATE):
                if not deleted(c):
                    wanted[('function', cpp_name(scope + [name]))] += 1
            elif c.kind == kinds.FRIEND_DECL:
                # Hidden friends (operator==, qHash): documented with the class or its namespace.
                for friend in c.get_children():
                    if (friend.kind in (kinds.FUNCTION_DECL, kinds.FUNCTION_TEMPLATE)
                            and friend.spelling not in META_MEMBERS):
                        wanted[('friend', cpp_name(scope + [friend.spelling]))] += 1
            elif c.kind in (kinds.FIELD_DECL, kinds.VAR_DECL, kinds.ENUM_DECL,
                            kinds.TYPE_ALIAS_DECL, kinds.TYPEDEF_DECL):
                wanted[('value', cpp_name(scope + [name]))] += 1
        if in_class:
            # moc's Q_PROPERTY leaves no trace in the AST: read it from the text.
            text = open(header, encoding='utf-8').read()
            extent = text.encode('utf-8')[cursor.extent.start.offset:cursor.extent.end.offset]
            body = re.sub(r'\s+', ' ', extent.decode('utf-8'))
            for match in re.finditer(r'Q_PROPERTY\(\s*[\w:<>, ]*?\s(\w+) READ', body):
                properties.add(cpp_name(scope + [match.group(1)]))

    for header in headers:
        unit = index.parse(header, args=['-x', 'c++', '-std=c++17', '-fPIC'] + clang_args)
        errors = [d for d in unit.diagnostics if d.severity >= ci.Diagnostic.Error]
        if errors:
            problems += ['%s: cannot parse: %s' % (header, d) for d in errors]
        walk(unit.cursor, [], header, False)
    return wanted, properties, problems


# --- The QML side: the module's .qmltypes ------------------------------------------------------

def declared_qml(qmltypes_path):
    """QML type name -> (Counter of (kind, member), enum value names)."""
    text = open(qmltypes_path, encoding='utf-8').read()
    components = {}
    for block in re.finditer(r'\n    Component \{(.*?)\n    \}', text, re.S):
        body = block.group(1)
        name = re.search(r'\n        name: "([^"]+)"', body).group(1)
        prototype = re.search(r'\n        prototype: "([^"]+)"', body)
        exports = re.search(r'\n        exports: \[([^\]]*)\]', body)
        members = Counter()
        semantics = re.search(r'\n        accessSemantics: "(\w+)"', body)
        export_names = re.findall(r'"Background/(\w+) [\d.]+"', exports.group(1)) if exports else []
        # An upper-case name with value semantics is a namespace (QML_FOREIGN_NAMESPACE): QML
        # reaches only its enums, whatever properties the gadget has in C++.
        enums_only = (semantics and semantics.group(1) == 'value'
                      and any(n[:1].isupper() for n in export_names))
        notifiers = set(re.findall(r'notify: "(\w+)"', body))
        for kind, member_body in re.findall(r'\n        (Property|Method|Signal) \{(.*?)\}',
                                            body + '\n', re.S):
            member = re.search(r'name: "(\w+)"', member_body).group(1)
            if kind == 'Signal' and member in notifiers or enums_only:
                continue
            members[(kind.lower(), member)] = 1
        enum_values = []
        for values in re.findall(r'values: \[([^\]]*)\]', body):
            enum_values += re.findall(r'"(\w+)"', values)
        components[name] = (prototype.group(1) if prototype else None, export_names, members,
                            enum_values)

    types = {}
    for name, (prototype, export_names, members, enum_values) in components.items():
        merged = Counter(members)
        # Members of our own (anonymous) bases; Qt's own (QAbstractListModel...) are Qt's to document.
        while prototype in components and prototype.startswith('Background::'):
            merged.update(components[prototype][2])
            prototype = components[prototype][0]
        for export_name in export_names:
            types[export_name] = (merged, enum_values)
    return types


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--index', required=True)
    parser.add_argument('--header', action='append', default=[])
    parser.add_argument('--qmltypes')
    parser.add_argument('--html-dir')
    parser.add_argument('clang_args', nargs='*')
    args = parser.parse_args()

    documented, documented_properties, documented_qml, qml_pages = documented_nodes(args.index)
    missing = []

    if args.header:
        wanted, properties, problems = declared_cpp(args.header, args.clang_args)
        missing += problems
        what = {'class': 'class', 'function': 'function', 'value': 'type, enum or field'}
        for (kind, name), count in sorted(wanted.items()):
            if not name.startswith('Background::'):
                continue  # Q_DECLARE_METATYPE's specialisations and the like
            if kind == 'friend':
                outer = name.rsplit('::', 2)
                have = documented[('function', name)] + documented[
                    ('function', outer[0] + '::' + outer[-1])]
                kind = 'function'
            else:
                have = documented[(kind, name)]
            if have < count:
                extra = '' if count == 1 else ' (%d of %d overloads documented)' % (have, count)
                missing.append('C++ %s %s%s' % (what[kind], name, extra))
        for name in sorted(declared_macros(args.header)):
            if not documented[('macro', name)]:
                missing.append('macro %s' % name)
        for name in sorted(properties - documented_properties):
            missing.append('C++ property %s' % name)

    if args.qmltypes:
        for qml_type, (members, enum_values) in sorted(declared_qml(args.qmltypes).items()):
            if qml_type not in documented_qml:
                missing.append('QML type %s' % qml_type)
                continue
            have = documented_qml[qml_type]
            for kind, member in sorted(members):
                if not have[(kind, member)]:
                    missing.append('QML %s %s.%s' % (kind, qml_type, member))
            if enum_values and args.html_dir:
                page = '%s/%s' % (args.html_dir, qml_pages.get(qml_type, ''))
                try:
                    html = open(page, encoding='utf-8').read()
                except OSError:
                    html = ''
                # Named in code in a table cell: a \value row (<code>Type.Value</code>) or a row
                # of a table of its own (TransferModel's roles: TransferModel::StateRole).
                listed = set()
                for cell in re.findall(r'<td[^>]*>(.*?)</td>', html, re.S):
                    listed.update(re.findall(r'<code[^>]*>(?:[\w.:]*[.:])?(\w+)</code>', cell))
                for value in enum_values:
                    if value not in listed:
                        missing.append('QML enum value %s.%s' % (qml_type, value))

    for line in missing:
        print('undocumented: ' + line)
    if missing:
        print('%d public item(s) without documentation' % len(missing))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
