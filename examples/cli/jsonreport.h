#pragma once

// How results and transfers are shown: one JSON object per line, or one short human line.

#include <networkresponse.h>
#include <transferinfo.h>

#include <QtCore/QJsonObject>
#include <QtCore/QString>

namespace Cli {

// 0, 2, 3 or 4 from the outcome; 65 for requests the library refused as bad input.
int exitCodeFor(const Background::NetworkResponse &response);
// The more severe of two exit statuses (failed > paused > retry > rejected > success).
int worseExitCode(int a, int b);
// True when the response is a refusal of the request itself, not the end of a transfer.
bool isInputError(const Background::NetworkResponse &response);

QJsonObject responseJson(const Background::NetworkResponse &response);
// "ID: success, 200, 67108864 bytes -> FILE (resumed at 23.0 MiB)"
QString responseLine(const Background::NetworkResponse &response);
// An upload's result: `file` is the source, plus responseBody (text, the first 64 KiB of the
// server's answer, or null) and responseBodyFile (where a large answer was kept, or null).
QJsonObject uploadResponseJson(const Background::NetworkResponse &response,
                               const QString &source,
                               const QUrl &uploadUrl = QUrl()); // a tus upload's own URL
// "ID: success, 201, 1048576 bytes sent from FILE"
QString uploadResponseLine(const Background::NetworkResponse &response, const QString &source);
// For stderr after a non-success, without the "bgtransfer: " prefix.
QString responseProblem(const Background::NetworkResponse &response);

QJsonObject transferJson(const Background::TransferInfo &transfer);
// Appends jsonLine(transferJson(transfer)) as UTF-8, without building the object: a listing
// prints thousands.
void appendTransferJson(QByteArray *out, const Background::TransferInfo &transfer);
// "ID  download  waiting  normal  1.0/4.0 MiB 25.0%  2 attempts  next attempt at 2026-09-01
// 10:00:05  URL -> FILE  (last error)"; the time is local.
QString transferLine(const Background::TransferInfo &transfer);
// "ID: paused at 1.0/4.0 MiB 25.0%"
QString pausedLine(const Background::TransferInfo &transfer);
// "1.0/4.0 MiB 25.0%", or "1.0 MiB" when the total is unknown
QString progressText(const Background::TransferInfo &transfer);

QString jsonLine(const QJsonObject &object);
QString mebibytes(qint64 bytes); // "23.0"

} // namespace Cli
