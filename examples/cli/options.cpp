#include "options.h"

#include "inputlist.h"

#include <sessionconfiguration.h>

#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QRegularExpression>
#include <QtCore/QUrl>

#include <algorithm>
#include <cmath>
#include <limits>

namespace Cli {

QString checkUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.isRelative())
        return QStringLiteral("'%1' is not a valid URL").arg(text);
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return QStringLiteral("unsupported URL scheme '%1' in %2: only http and https")
                .arg(scheme, text);
    if (url.host().isEmpty())
        return QStringLiteral("the URL %1 has no host").arg(text);
    return {};
}

namespace {

constexpr int kMaxRetries = 1000;
constexpr int kMaxConcurrency = 1000;
constexpr double kMaxSeconds = 365.0 * 24 * 3600;

ParseResult usage(const QString &message)
{
    return {ExitUsage, message};
}
ParseResult badInput(const QString &message)
{
    return {ExitBadInput, message};
}

bool isGlobalOption(const QString &name)
{
    static const QStringList names = {
            QStringLiteral("--store"),
            QStringLiteral("--json"),
            QStringLiteral("--retries"),
            QStringLiteral("--stall-timeout"),
            QStringLiteral("--limit-rate"),
            QStringLiteral("--checkpoint-interval"),
            QStringLiteral("--concurrency"),
            QStringLiteral("--disk-reserve"),
            QStringLiteral("--no-metered"),
            QStringLiteral("--recover"),
            QStringLiteral("--version"),
    };
    return names.contains(name);
}

bool isHelpOption(const QString &name)
{
    return name == QLatin1String("-h") || name == QLatin1String("--help");
}

struct OptionToken
{
    QString name;
    std::optional<QString> value; // "--name=value", or "-oVALUE" for short options
};

OptionToken splitOption(const QString &arg)
{
    if (arg.startsWith(QLatin1String("--"))) {
        const qsizetype eq = arg.indexOf(QLatin1Char('='));
        if (eq < 0)
            return {arg, std::nullopt};
        return {arg.left(eq), arg.mid(eq + 1)};
    }
    if (arg.size() > 2)
        return {arg.left(2), arg.mid(2)};
    return {arg, std::nullopt};
}

// The option's value: inline, or the next argument (which is consumed).
bool takeValue(const QStringList &args, qsizetype *i, const OptionToken &token, QString *value)
{
    if (token.value) {
        *value = *token.value;
        return true;
    }
    if (*i + 1 >= args.size())
        return false;
    *i += 1;
    *value = args.at(*i);
    return true;
}

// BYTES with an optional binary K or M suffix (and G when `giga`).
bool parseBytes(const QString &text, qint64 *out, bool giga = false)
{
    static const QRegularExpression re(QStringLiteral("^([0-9]+)([KkMm]?)$"));
    static const QRegularExpression reGiga(QStringLiteral("^([0-9]+)([KkMmGg]?)$"));
    const QRegularExpressionMatch m = (giga ? reGiga : re).match(text);
    if (!m.hasMatch())
        return false;
    bool ok = false;
    const qint64 value = m.captured(1).toLongLong(&ok);
    if (!ok)
        return false;
    const QString unit = m.captured(2).toUpper();
    const qint64 factor = unit == QLatin1String("K")   ? 1024
                          : unit == QLatin1String("M") ? 1024 * 1024
                          : unit == QLatin1String("G") ? 1024 * 1024 * 1024
                                                       : 1;
    if (value > std::numeric_limits<qint64>::max() / factor)
        return false;
    *out = value * factor;
    return true;
}

bool isTokenChar(QChar c)
{
    // RFC 9110 tchar
    if (c.unicode() > 0x7e || c.unicode() <= 0x20)
        return false;
    return c.isLetterOrNumber() || QStringLiteral("!#$%&'*+-.^_`|~").contains(c);
}

// "Name: value" -> pair; an empty QString means success, otherwise why not.
QString parseHeader(const QString &text, QPair<QByteArray, QByteArray> *out)
{
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    if (colon < 0)
        return QStringLiteral("malformed header '%1': expected 'Name: value'").arg(text);
    const QString name = text.left(colon);
    if (name.isEmpty() || !std::all_of(name.begin(), name.end(), isTokenChar))
        return QStringLiteral("malformed header '%1': invalid header name").arg(text);
    const QString value = text.mid(colon + 1).trimmed();
    if (value.isEmpty())
        return QStringLiteral("malformed header '%1': empty value").arg(text);
    for (const QChar c : value) {
        if ((c.unicode() < 0x20 && c != QLatin1Char('\t')) || c.unicode() == 0x7f)
            return QStringLiteral("malformed header '%1': control character in the value")
                    .arg(text);
    }
    *out = {name.toLatin1(), value.toUtf8()};
    return {};
}

bool isSha256Hex(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-fA-F]{64}$"));
    return re.match(text).hasMatch();
}

// A form-data name goes into a quoted Content-Disposition parameter.
bool isFormName(const QString &name)
{
    if (name.isEmpty())
        return false;
    return std::none_of(name.begin(), name.end(), [](QChar c) {
        return c == QLatin1Char('"') || c == QLatin1Char('\\') || c.unicode() < 0x20
               || c.unicode() == 0x7f;
    });
}

// A tus metadata key: ASCII without blanks or commas.
bool isMetadataKey(const QString &name)
{
    return !name.isEmpty() && std::none_of(name.begin(), name.end(), [](QChar c) {
        return c.unicode() <= 0x20 || c.unicode() >= 0x7f || c == QLatin1Char(',');
    });
}

// The upload's content checks (exit 65); `o` already has file, url, identifier and headers.
ParseResult checkUpload(const std::optional<QString> &method,
                        const std::optional<QString> &form,
                        const QStringList &fieldTexts,
                        Options *o)
{
    const QFileInfo source(o->file);
    if (!source.exists())
        return badInput(QStringLiteral("'%1' does not exist").arg(o->file));
    if (!source.isFile())
        return badInput(QStringLiteral("'%1' is not a file").arg(o->file));
    if (QFile f(o->file); !f.open(QIODevice::ReadOnly))
        return badInput(QStringLiteral("cannot read '%1': %2").arg(o->file, f.errorString()));
    if (o->tus) {
        // tus decides its own methods and body; fields travel as Upload-Metadata.
        if (method || form)
            return badInput(
                    QStringLiteral("%1 cannot be used with --tus: a tus upload sends the "
                                   "file itself with PATCH requests")
                            .arg(method ? QStringLiteral("--method") : QStringLiteral("--form")));
        for (const QString &text : fieldTexts) {
            const qsizetype eq = text.indexOf(QLatin1Char('='));
            const QString name = text.left(eq);
            if (eq <= 0 || !isMetadataKey(name))
                return badInput(QStringLiteral("malformed --field '%1': with --tus, NAME is a "
                                               "metadata key (ASCII without spaces or commas)")
                                        .arg(text));
            o->fields.append({name, text.mid(eq + 1)});
        }
        o->method = QByteArrayLiteral("PATCH");
    } else if (method) {
        const QByteArray name = method->toUpper().toLatin1();
        if (name != "PUT" && name != "POST" && name != "PATCH")
            return badInput(
                    QStringLiteral("--method needs PUT, POST or PATCH, not '%1'").arg(*method));
        o->method = name;
    } else {
        o->method = form ? QByteArrayLiteral("POST") : QByteArrayLiteral("PUT");
    }
    if (o->tus) {
    } else if (form) {
        if (!isFormName(*form))
            return badInput(QStringLiteral("--form needs a field name without quotes, "
                                           "backslashes or control characters, not '%1'")
                                    .arg(*form));
        o->formField = *form;
    } else if (!fieldTexts.isEmpty()) {
        return badInput(QStringLiteral("--field needs --form FIELD (fields are sent as "
                                       "multipart/form-data)"));
    }
    for (const QString &text : fieldTexts) {
        if (o->tus)
            break;
        const qsizetype eq = text.indexOf(QLatin1Char('='));
        const QString name = text.left(eq);
        if (eq <= 0 || !isFormName(name))
            return badInput(QStringLiteral("malformed --field '%1': expected NAME=VALUE with a "
                                           "NAME without quotes, backslashes or control "
                                           "characters")
                                    .arg(text));
        o->fields.append({name, text.mid(eq + 1)});
    }
    // The library sets Content-Type itself; a raw body takes the user's as its type.
    for (qsizetype h = o->headers.size() - 1; h >= 0; --h) {
        if (o->headers.at(h).first.compare("Content-Type", Qt::CaseInsensitive) != 0)
            continue;
        if (form)
            return badInput(QStringLiteral("-H Content-Type cannot be used with --form: the "
                                           "multipart body sets its own"));
        if (o->contentType.isEmpty())
            o->contentType = o->headers.at(h).second; // the last one given wins
        o->headers.removeAt(h);
    }
    return {};
}

Command commandFor(const QString &name)
{
    if (name == QLatin1String("download"))
        return Command::Download;
    if (name == QLatin1String("upload"))
        return Command::Upload;
    if (name == QLatin1String("list"))
        return Command::List;
    if (name == QLatin1String("result"))
        return Command::Result;
    if (name == QLatin1String("forget"))
        return Command::Forget;
    if (name == QLatin1String("cancel"))
        return Command::Cancel;
    if (name == QLatin1String("resume"))
        return Command::Resume;
    if (name == QLatin1String("pause"))
        return Command::Pause;
    if (name == QLatin1String("help"))
        return Command::Help;
    return Command::None;
}

ParseResult parseGlobal(const OptionToken &token, const QString &value, Options *o)
{
    const QString &name = token.name;
    if (name == QLatin1String("--store")) {
        if (value.isEmpty())
            return usage(QStringLiteral("--store needs a file name"));
        o->storePath = value;
    } else if (name == QLatin1String("--retries")) {
        bool ok = false;
        const int n = value.toInt(&ok);
        if (!ok || n < 0 || n > kMaxRetries)
            return usage(QStringLiteral("--retries needs a number from 0 to %1, not '%2'")
                                 .arg(kMaxRetries)
                                 .arg(value));
        o->retries = n;
    } else if (name == QLatin1String("--stall-timeout")) {
        bool ok = false;
        const double s = value.toDouble(&ok);
        if (!ok || !std::isfinite(s) || s <= 0 || s > kMaxSeconds)
            return usage(QStringLiteral("--stall-timeout needs a positive number of seconds, "
                                        "not '%1'")
                                 .arg(value));
        o->stallTimeout = std::chrono::milliseconds(qMax<qint64>(1, std::llround(s * 1000)));
    } else if (name == QLatin1String("--limit-rate")) {
        if (!parseBytes(value, &o->limitRate))
            return usage(QStringLiteral("--limit-rate needs BYTES, BYTESK or BYTESM, not '%1'")
                                 .arg(value));
    } else if (name == QLatin1String("--checkpoint-interval")) {
        bool ok = false;
        const int ms = value.toInt(&ok);
        if (!ok || ms <= 0)
            return usage(QStringLiteral("--checkpoint-interval needs a positive number of "
                                        "milliseconds, not '%1'")
                                 .arg(value));
        o->checkpointInterval = std::chrono::milliseconds(ms);
    } else if (name == QLatin1String("--concurrency")) {
        bool ok = false;
        const int n = value.toInt(&ok);
        if (!ok || n < 1 || n > kMaxConcurrency)
            return usage(QStringLiteral("--concurrency needs a number from 1 to %1, not '%2'")
                                 .arg(kMaxConcurrency)
                                 .arg(value));
        o->concurrency = n;
    } else if (name == QLatin1String("--disk-reserve")) {
        if (!parseBytes(value, &o->diskReserve, true))
            return usage(QStringLiteral("--disk-reserve needs BYTES, BYTESK, BYTESM or BYTESG, "
                                        "not '%1'")
                                 .arg(value));
    }
    return {};
}

} // namespace

ParseResult parseArguments(const QStringList &args, Options *o)
{
    qsizetype i = 1;
    for (; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (!arg.startsWith(QLatin1Char('-')) || arg == QLatin1String("-"))
            break;
        const OptionToken token = splitOption(arg);
        if (isHelpOption(arg)) {
            o->command = Command::Help;
            return {};
        }
        if (!isGlobalOption(token.name))
            return usage(QStringLiteral("unknown option '%1' (try --help)").arg(arg));
        if (token.name == QLatin1String("--json") || token.name == QLatin1String("--version")
            || token.name == QLatin1String("--no-metered")
            || token.name == QLatin1String("--recover")) {
            if (token.value)
                return usage(QStringLiteral("%1 takes no value").arg(token.name));
            if (token.name == QLatin1String("--version")) {
                o->command = Command::Version;
                return {};
            }
            if (token.name == QLatin1String("--json"))
                o->json = true;
            else if (token.name == QLatin1String("--recover"))
                o->recover = true;
            else
                o->allowMetered = false;
            continue;
        }
        QString value;
        if (!takeValue(args, &i, token, &value))
            return usage(QStringLiteral("%1 needs a value").arg(token.name));
        if (const ParseResult r = parseGlobal(token, value, o); !r.ok())
            return r;
    }
    if (i >= args.size()) {
        if (o->recover)
            return {}; // --recover alone: command None
        return usage(QStringLiteral("no command given (try --help)"));
    }

    const QString commandName = args.at(i++);
    o->command = commandFor(commandName);
    if (o->command == Command::None)
        return usage(QStringLiteral("unknown command '%1' (try --help)").arg(commandName));
    if (o->command == Command::Help)
        return {};

    QStringList positionals;
    QStringList headerTexts;
    QStringList fieldTexts;
    std::optional<QString> output;
    std::optional<QString> identifier;
    std::optional<QString> sha;
    std::optional<QString> method;
    std::optional<QString> form;
    std::optional<QString> chunkSize;
    std::optional<QString> priority;
    std::optional<QString> input;
    std::optional<QString> caFile;
    const bool transfers = o->command == Command::Download || o->command == Command::Upload;
    // Every command that may send a request (cancel: a tus upload's DELETE).
    const bool sends = transfers || o->command == Command::Resume || o->command == Command::Cancel;
    bool endOfOptions = false;
    for (; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (!endOfOptions && arg == QLatin1String("--")) {
            endOfOptions = true;
            continue;
        }
        if (endOfOptions || !arg.startsWith(QLatin1Char('-')) || arg == QLatin1String("-")) {
            positionals.append(arg);
            continue;
        }
        const OptionToken token = splitOption(arg);
        if (isHelpOption(arg)) {
            o->command = Command::Help;
            return {};
        }
        if (isGlobalOption(token.name))
            return usage(QStringLiteral("global option %1 must come before the command")
                                 .arg(token.name));
        if (o->command == Command::Upload
            && (token.name == QLatin1String("--tus")
                || token.name == QLatin1String("--tus-checksum"))) {
            if (token.value)
                return usage(QStringLiteral("%1 takes no value").arg(token.name));
            (token.name == QLatin1String("--tus") ? o->tus : o->tusChecksum) = true;
            continue;
        }
        std::optional<QString> *slot = nullptr;
        QStringList *list = nullptr;
        if (transfers
            && (token.name == QLatin1String("-H") || token.name == QLatin1String("--header")))
            list = &headerTexts;
        else if (transfers && token.name == QLatin1String("--id"))
            slot = &identifier;
        else if (transfers && token.name == QLatin1String("--priority"))
            slot = &priority;
        else if (sends && token.name == QLatin1String("--ca-file"))
            slot = &caFile;
        if (o->command == Command::Download) {
            if (token.name == QLatin1String("-o") || token.name == QLatin1String("--output"))
                slot = &output;
            else if (token.name == QLatin1String("--sha256"))
                slot = &sha;
            else if (token.name == QLatin1String("--input"))
                slot = &input;
        } else if (o->command == Command::Upload) {
            if (token.name == QLatin1String("--method"))
                slot = &method;
            else if (token.name == QLatin1String("--form"))
                slot = &form;
            else if (token.name == QLatin1String("--field"))
                list = &fieldTexts;
            else if (token.name == QLatin1String("--chunk-size"))
                slot = &chunkSize;
        }
        if (!slot && !list)
            return usage(QStringLiteral("unknown option '%1' for %2").arg(arg, commandName));
        QString value;
        if (!takeValue(args, &i, token, &value))
            return usage(QStringLiteral("%1 needs a value").arg(token.name));
        if (list) {
            list->append(value);
        } else {
            if (slot->has_value())
                return usage(QStringLiteral("%1 given more than once").arg(token.name));
            *slot = value;
        }
    }

    switch (o->command) {
    case Command::Download:
        if (input) {
            if (!positionals.isEmpty() || output || identifier)
                return usage(QStringLiteral("--input cannot be used with a URL, -o or --id: the "
                                            "list gives them"));
            if (sha)
                return usage(QStringLiteral("--sha256 cannot be used with --input"));
            if (input->isEmpty())
                return usage(QStringLiteral("--input needs a file name"));
            o->inputPath = *input;
            break;
        }
        if (positionals.isEmpty())
            return usage(QStringLiteral("download needs a URL"));
        o->url = positionals.takeFirst();
        break;
    case Command::Upload:
        if (positionals.size() < 2)
            return usage(QStringLiteral("upload needs a FILE and a URL"));
        if ((chunkSize || o->tusChecksum) && !o->tus)
            return usage(QStringLiteral("%1 needs --tus")
                                 .arg(chunkSize ? QStringLiteral("--chunk-size")
                                                : QStringLiteral("--tus-checksum")));
        if (chunkSize && (!parseBytes(*chunkSize, &o->chunkSize) || o->chunkSize <= 0))
            return usage(QStringLiteral("--chunk-size needs a positive BYTES, BYTESK or BYTESM, "
                                        "not '%1'")
                                 .arg(*chunkSize));
        o->file = positionals.takeFirst();
        o->url = positionals.takeFirst();
        break;
    case Command::Result:
    case Command::Forget:
    case Command::Cancel:
    case Command::Pause:
        if (positionals.isEmpty())
            return usage(QStringLiteral("%1 needs an identifier").arg(commandName));
        o->identifier = positionals.takeFirst();
        break;
    case Command::Resume:
        if (!positionals.isEmpty()) // optional: without one, everything unfinished
            o->identifier = positionals.takeFirst();
        break;
    default:
        break;
    }
    if (!positionals.isEmpty())
        return usage(QStringLiteral("unexpected argument '%1'").arg(positionals.first()));
    if (caFile) {
        QFile file(*caFile);
        if (!file.open(QIODevice::ReadOnly))
            return usage(QStringLiteral("--ca-file: cannot read '%1': %2")
                                 .arg(*caFile, file.errorString()));
        // A PEM file of certificates is small; more is not one.
        o->caCertificates = QSslCertificate::fromData(file.read(16 * 1024 * 1024), QSsl::Pem);
        o->caCertificates.removeIf([](const QSslCertificate &c) { return c.isNull(); });
        if (o->caCertificates.isEmpty())
            return usage(QStringLiteral("--ca-file: '%1' holds no PEM certificate").arg(*caFile));
    }
    if (!transfers)
        return {};
    if (priority) {
        const auto p = Background::TransferInfo::priorityFromName(*priority);
        if (!p)
            return usage(QStringLiteral("--priority needs low, normal or high, not '%1'")
                                 .arg(*priority));
        o->priority = *p;
    }

    // Everything below is well-formed usage with unusable content.
    const auto parseHeaders = [&]() -> ParseResult {
        for (const QString &text : std::as_const(headerTexts)) {
            QPair<QByteArray, QByteArray> header;
            if (const QString why = parseHeader(text, &header); !why.isEmpty())
                return badInput(why);
            o->headers.append(header);
        }
        return {};
    };
    if (!o->inputPath.isEmpty()) {
        if (const ParseResult r = parseHeaders(); !r.ok())
            return r;
        return readInputList(o->inputPath, o);
    }
    if (o->command == Command::Download && (!output || output->isEmpty()))
        return badInput(QStringLiteral("download needs -o FILE"));
    if (!identifier)
        return badInput(QStringLiteral("%1 needs --id ID").arg(commandName));
    o->identifier = *identifier;
    if (output)
        o->output = *output;
    if (const QString why = checkUrl(o->url); !why.isEmpty())
        return badInput(why);
    if (const ParseResult r = parseHeaders(); !r.ok())
        return r;
    if (o->command == Command::Upload)
        return checkUpload(method, form, fieldTexts, o);
    if (sha) {
        if (!isSha256Hex(*sha))
            return badInput(
                    QStringLiteral("--sha256 needs 64 hexadecimal digits, not '%1'").arg(*sha));
        o->sha256 = sha->toLatin1().toLower();
    }
    return {};
}

QString usageText()
{
    const Background::SessionConfiguration defaults;
    return QStringLiteral(
                   "Usage: bgtransfer [GLOBAL OPTIONS] COMMAND [ARGS]\n"
                   "\n"
                   "Restart-safe HTTP transfers: a killed download resumes where it stopped,\n"
                   "a killed tus upload continues, a killed plain upload is sent again.\n"
                   "\n"
                   "Commands:\n"
                   "  download URL -o FILE --id ID [-H 'Name: value']... [--sha256 HEX]\n"
                   "           [--priority low|normal|high]\n"
                   "                 download (or resume, or report the kept result of) ID\n"
                   "  download --input LIST [-H 'Name: value']... [--priority low|normal|high]\n"
                   "                 every 'ID URL FILE' line of LIST ('-': standard input) at\n"
                   "                 once, as many at a time as --concurrency allows; blank\n"
                   "                 lines and lines starting with # are skipped; a field with\n"
                   "                 blanks goes in double quotes (\\\" and \\\\ inside)\n"
                   "  upload FILE URL --id ID [--method PUT|POST|PATCH] [-H 'Name: value']...\n"
                   "         [--form FIELD [--field NAME=VALUE]...]\n"
                   "         [--tus [--chunk-size BYTES[K|M]] [--tus-checksum] "
                   "[--field NAME=VALUE]...]\n"
                   "         [--priority low|normal|high]\n"
                   "                 upload FILE (PUT by default; --form: multipart/form-data\n"
                   "                 with the file as part FIELD, POST by default; --tus: URL\n"
                   "                 is a tus 1.0 endpoint and a killed upload continues from\n"
                   "                 the server's offset; --field: tus metadata)\n"
                   "  list           every transfer in the store, one line each\n"
                   "  result ID      the kept result of a finished transfer\n"
                   "  forget ID      drop a kept result (the file stays)\n"
                   "  cancel ID      stop an unfinished transfer and delete its partial data\n"
                   "  pause ID       stop a transfer, keeping its partial data, whichever process\n"
                   "                 runs it (that process then exits with status 5)\n"
                   "  resume [ID]    continue ID (paused, unfinished, or a kept retry or\n"
                   "                 disk-full result), or every paused and unfinished download\n"
                   "                 and upload, and wait for them\n"
                   "\n"
                   "download, upload, resume and cancel take --ca-file FILE: also trust the CA\n"
                   "certificates in PEM FILE for https (besides the system's).\n"
                   "\n"
                   "Global options (before the command):\n"
                   "  --store FILE               the transfer store (default: %1)\n"
                   "  --json                     one JSON object per line on stdout\n"
                   "  --retries N                retries of transient failures (default 5)\n"
                   "  --stall-timeout SECONDS    give up on a connection that sends nothing this "
                   "long\n"
                   "  --limit-rate BYTES[K|M]    send or receive at most this many bytes per "
                   "second\n"
                   "  --checkpoint-interval MS   how often received bytes are made durable\n"
                   "  --concurrency N            at most N transfers at once, and N to one host\n"
                   "                             (default %2, and %3 to one host)\n"
                   "  --disk-reserve BYTES[K|M|G]\n"
                   "                             keep this much free on a download's volume\n"
                   "                             (default %4 MiB)\n"
                   "  --no-metered               wait while the system reports a metered "
                   "connection\n"
                   "  --recover                  if the store is corrupt or not a store, move it\n"
                   "                             aside (FILE.broken-TIME) and start a new one;\n"
                   "                             partial files are kept; alone: only that\n"
                   "  -h, --help                 this text\n"
                   "  --version                  the version\n"
                   "\n"
                   "Exit status: 0 success, 2 rejected, 3 retry later, 4 failed, 5 paused,\n"
                   "64 usage error, 65 bad input. With several transfers the worst status wins\n"
                   "(4 over 5 over 3 over 2 over 0).\n")
            .arg(Background::SessionConfiguration::defaultStorePath(),
                 QString::number(defaults.maximumConcurrentTransfers()),
                 QString::number(defaults.maximumConcurrentTransfersPerHost()),
                 QString::number(defaults.diskSpaceReserve() / (1024 * 1024)));
}

} // namespace Cli
