#include "inputlist.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QHash>

#include <cstdio>

namespace Cli {

namespace {

// Splits a line of an --input list: blanks separate fields, and a field in double quotes may
// hold blanks (\" and \\ inside stand for " and \). Returns why not, or an empty string.
QString splitFields(const QString &line, QStringList *fields)
{
    qsizetype i = 0;
    const qsizetype n = line.size();
    while (true) {
        while (i < n && line.at(i).isSpace())
            ++i;
        if (i >= n)
            return {};
        QString field;
        if (line.at(i) == QLatin1Char('"')) {
            ++i;
            bool closed = false;
            while (i < n) {
                const QChar c = line.at(i++);
                if (c == QLatin1Char('"')) {
                    closed = true;
                    break;
                }
                if (c == QLatin1Char('\\') && i < n
                    && (line.at(i) == QLatin1Char('"') || line.at(i) == QLatin1Char('\\')))
                    field += line.at(i++);
                else
                    field += c;
            }
            if (!closed)
                return QStringLiteral("a quote is not closed");
            if (i < n && !line.at(i).isSpace())
                return QStringLiteral("a closing quote is followed by '%1'").arg(line.at(i));
        } else {
            while (i < n && !line.at(i).isSpace())
                field += line.at(i++);
        }
        fields->append(field);
    }
}

} // namespace

ParseResult readInputList(const QString &listPath, Options *o)
{
    QFile file;
    const bool fromStdin = listPath == QLatin1String("-");
    const QString name = fromStdin ? QStringLiteral("standard input") : listPath;
    const bool opened = fromStdin ? file.open(stdin, QIODevice::ReadOnly)
                                  : (file.setFileName(listPath), file.open(QIODevice::ReadOnly));
    if (!opened)
        return {ExitBadInput, QStringLiteral("cannot read '%1': %2").arg(name, file.errorString())};
    QHash<QString, int> identifiers; // -> line
    QHash<QString, int> outputs;     // absolute path -> line
    int number = 0;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        ++number;
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const auto bad = [&](const QString &why) {
            return ParseResult{ExitBadInput,
                               QStringLiteral("%1, line %2: %3").arg(name).arg(number).arg(why)};
        };
        QStringList fields;
        if (const QString why = splitFields(line, &fields); !why.isEmpty())
            return bad(why);
        if (fields.size() != 3)
            return bad(QStringLiteral("expected ID URL FILE, found %1 field%2")
                               .arg(fields.size())
                               .arg(fields.size() == 1 ? QString() : QStringLiteral("s")));
        InputEntry entry{fields.at(0), fields.at(1), fields.at(2), number};
        if (entry.identifier.isEmpty())
            return bad(QStringLiteral("the identifier is empty"));
        if (entry.output.isEmpty())
            return bad(QStringLiteral("the file name is empty"));
        if (const QString why = checkUrl(entry.url); !why.isEmpty())
            return bad(why);
        if (const int first = identifiers.value(entry.identifier); first > 0)
            return bad(QStringLiteral("the identifier '%1' is already used on line %2")
                               .arg(entry.identifier)
                               .arg(first));
        const QString target = QFileInfo(entry.output).absoluteFilePath();
        if (const int first = outputs.value(target); first > 0)
            return bad(QStringLiteral("'%1' is already the file of line %2")
                               .arg(entry.output)
                               .arg(first));
        identifiers.insert(entry.identifier, number);
        outputs.insert(target, number);
        o->inputs.append(entry);
    }
    if (file.error() != QFileDevice::NoError)
        return {ExitBadInput, QStringLiteral("cannot read '%1': %2").arg(name, file.errorString())};
    return {};
}

} // namespace Cli
