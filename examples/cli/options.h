#pragma once

// The command line of bgtransfer: global options first, then one command and its arguments.

#include <transferinfo.h>

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtNetwork/QSslCertificate>

#include <chrono>
#include <optional>

namespace Cli {

// Exit statuses; the worst one wins when several transfers finish.
enum ExitCode {
    ExitSuccess = 0,
    ExitRejected = 2,
    ExitRetry = 3,
    ExitFailed = 4,
    ExitPaused = 5, // paused (by `bgtransfer pause`) before it finished
    ExitInterrupted = 130,
    ExitUsage = 64,    // EX_USAGE
    ExitBadInput = 65, // EX_DATAERR
};

enum class Command {
    None,
    Help,
    Version,
    Download,
    Upload,
    List,
    Result,
    Forget,
    Cancel,
    Resume,
    Pause,
};

// One line of `download --input LIST`.
struct InputEntry
{
    QString identifier;
    QString url;
    QString output;
    int line = 0; // 1-based, in LIST
};

struct Options
{
    // Global options.
    QString storePath; // empty: the library's default
    bool json = false;
    int retries = 5;
    std::optional<std::chrono::milliseconds> stallTimeout;
    std::optional<std::chrono::milliseconds> checkpointInterval;
    qint64 limitRate = 0;    // bytes per second, 0: unlimited
    int concurrency = 0;     // 0: the library's defaults
    qint64 diskReserve = -1; // -1: the library's default
    bool allowMetered = true;
    bool recover = false; // move an unusable store aside first (alone: only that)

    Command command = Command::None;
    // download, upload
    QString url;
    QList<QPair<QByteArray, QByteArray>> headers; // upload: without Content-Type
    // download
    QString output;
    QByteArray sha256;
    QString inputPath; // --input LIST: `inputs` replaces url, output and identifier
    QList<InputEntry> inputs;
    // upload
    QString file;      // the source
    QByteArray method; // "PUT", "POST" or "PATCH"
    QString formField; // non-empty: multipart/form-data with the file as this part
    QList<QPair<QString, QString>> fields; // --field NAME=VALUE, in order
    QByteArray contentType;                // from -H 'Content-Type: ...' (raw body only)
    bool tus = false;                      // URL is a tus creation endpoint
    qint64 chunkSize = 0;                  // tus: bytes per PATCH, 0: the whole remainder
    bool tusChecksum = false;              // tus: sha1 Upload-Checksum when the server takes it
    // download, upload
    Background::TransferInfo::Priority priority = Background::TransferInfo::Priority::Normal;
    // download, upload, result, forget, cancel, pause, resume (empty: all)
    QString identifier;
    // download, upload, resume, cancel: --ca-file, trusted besides the system's CAs
    QList<QSslCertificate> caCertificates;
};

struct ParseResult
{
    int exitCode = ExitSuccess; // non-zero: `message` says why
    QString message;
    bool ok() const { return exitCode == ExitSuccess; }
};

// Usage errors (64) are found before bad input (65), so a misplaced option is always reported
// as such.
ParseResult parseArguments(const QStringList &arguments, Options *options);

QString usageText();

// Why `text` cannot be a download's or upload's URL (http or https with a host); empty if it can.
QString checkUrl(const QString &text);

} // namespace Cli
