#include "transferinfo.h"

namespace Background {

/*!
    \class Background::TransferInfo
    \inmodule Background
    \inheaderfile Background/transferinfo.h
    \brief A snapshot of one transfer: its state, progress, attempts and, once finished, its
    result.

    Downloader::transfers(), Downloader::transfer(), Uploader::transfers(),
    Uploader::transfer() and TransferModel::transfer() describe the transfers of a store with
    TransferInfo values. Each is a copy made when it was asked for, and does not change
    afterwards; ask again, or use a \l Background::TransferModel, to follow a transfer as it
    goes. The store knows every transfer from the moment it is asked for until \c forget()
    drops its result (or \c cancel() drops the transfer), so a snapshot also describes
    transfers that another process runs or that an earlier run left unfinished.

    \section1 States

    \table
    \header
        \li State
        \li Meaning
        \li What happens next
    \row
        \li \c Queued
        \li Waiting for its turn: a free slot (SessionConfiguration::maximumConcurrentTransfers()),
            or for the app. An unfinished transfer that no live process runs, after a crash
            for instance, is \c Queued too.
        \li Starts when the queue reaches it, higher priority first; a transfer nobody runs
            continues when the app asks for it again, calls \c resume(), or on start-up (see
            SessionConfiguration::resumeOnStart()).
    \row
        \li \c Running
        \li An attempt is in flight, in this process or another.
        \li Ends in a result, or waits to retry.
    \row
        \li \c Waiting
        \li A transient failure; the next attempt is due at nextAttemptAt.
        \li Queued again at that time (see \l Background::RetryPolicy); a restart does not
            make it earlier.
    \row
        \li \c Paused
        \li Stopped by \c pause(), with its partial data kept.
        \li Nothing until \c resume(); the pause survives restarts.
    \row
        \li \c WaitingForNetwork
        \li The system reports no network, or only a metered one while
            SessionConfiguration::allowMetered() is \c false.
        \li Continues by itself when the network is back.
    \row
        \li \c Finished
        \li It ended; result holds the \l Background::NetworkResponse.
        \li The result is kept until \c forget(). A \c Retry result (and a download's
            \c Failed one for a full disk) keeps its partial data, and \c resume() continues
            from it.
    \endtable

    \sa Background::TransferModel, Background::NetworkResponse
*/

/*!
    \enum Background::TransferInfo::State

    Where a transfer stands. The values keep their numbers across versions, because the store
    holds them. The class description says what follows each state.

    \value Queued
        Waiting for a free slot in the session's queue; also an unfinished transfer that no
        live process runs (after a crash, say) until it is asked for again.
    \value Running
        An attempt is in flight, in this process or in another one that shares the store.
    \value Waiting
        Waiting to retry after a transient failure, until nextAttemptAt.
    \value Finished
        Ended: result holds the outcome, kept until \c forget().
    \value Paused
        Stopped by \c pause() with its partial data kept, until \c resume(); this survives
        restarts. A transfer that another process still runs shows its running state until
        that process notices the pause and lets go.
    \value WaitingForNetwork
        Held because the system reports no network (or only a metered one, when
        SessionConfiguration::allowMetered() is \c false); it continues when the network is
        back.

    \sa stateName()
*/

/*!
    \enum Background::TransferInfo::Priority

    The order in which queued transfers start: every \c High one before any \c Normal one,
    every \c Normal one before any \c Low one, and within one priority in the order they were
    asked for. A priority is set when the transfer is first asked for (in
    \c DownloadOptions::priority or \c UploadOptions::priority); it does not stop a running
    transfer.

    \value Low
        Starts after every \c Normal and \c High transfer of the session.
    \value Normal
        The default.
    \value High
        Starts before every \c Normal and \c Low transfer of the session.

    \sa priorityName(), priorityFromName()
*/

/*!
    \enum Background::TransferInfo::Kind

    Which way the data goes.

    \value Download
        From the server to a local file (\l Background::Downloader).
    \value Upload
        From a local file to the server (\l Background::Uploader).
*/

/*!
    \variable Background::TransferInfo::identifier
    \brief The identifier the app gave the transfer.
*/

/*!
    \variable Background::TransferInfo::kind
    \brief Whether the transfer is a download or an upload.
*/

/*!
    \variable Background::TransferInfo::url
    \brief The URL the app asked for (for a tus upload, the creation endpoint).
*/

/*!
    \variable Background::TransferInfo::localPath
    \brief The local file, as an absolute path: the destination of a download, the source of an
    upload.

    An unfinished download writes to a hidden partial file beside this path, and moves it here
    only once it is complete.
*/

/*!
    \variable Background::TransferInfo::remoteUrl
    \brief The upload's own URL on a tus server, once the server created it; empty otherwise.
*/

/*!
    \variable Background::TransferInfo::state
    \brief Where the transfer stands; see State.
*/

/*!
    \variable Background::TransferInfo::bytesReceived
    \brief The bytes done so far.

    For an unfinished download, the bytes safely on disk (in the process that runs it, the
    bytes received so far); for a finished one, NetworkResponse::bytes() of its result (the
    file's size after \c Success). For an upload, the bytes the server confirmed or was sent.
*/

/*!
    \variable Background::TransferInfo::bytesTotal
    \brief The size of the whole transfer in bytes, or -1 while it is not known (a download
    whose server has not announced a size yet).
*/

/*!
    \variable Background::TransferInfo::attempts
    \brief How many attempts the transfer has started, over every process that worked on it.
*/

/*!
    \variable Background::TransferInfo::nextAttemptAt
    \brief When the next attempt is due (in UTC), while the state is \c Waiting; invalid in any
    other state.
*/

/*!
    \variable Background::TransferInfo::lastError
    \brief A description of what went wrong: the error of the result once finished, before that
    the last transient failure; empty when there was none.
*/

/*!
    \variable Background::TransferInfo::result
    \brief The result, once the state is \c Finished; empty before.
*/

/*!
    \variable Background::TransferInfo::priority
    \brief The transfer's place in the queue; see Priority.
*/

/*!
    \variable Background::TransferInfo::bytesPerSecond
    \brief The current speed, smoothed over the last few seconds; 0 when unknown or idle.

    Only the process that runs the transfer knows it: in any other, it is 0.
*/

/*!
    \variable Background::TransferInfo::etaSeconds
    \brief The estimated time left in seconds, or -1 when unknown.

    Like bytesPerSecond, only the process that runs the transfer knows it.
*/

/*!
    \fn QString Background::TransferInfo::stateName(Background::TransferInfo::State state)

    Returns the name of \a state in lower case: \c queued, \c running, \c waiting,
    \c finished, \c paused or \c waiting-for-network. Stable, for logs and machine-readable
    output.
*/
QString TransferInfo::stateName(State state)
{
    switch (state) {
    case State::Queued:
        return QStringLiteral("queued");
    case State::Running:
        return QStringLiteral("running");
    case State::Waiting:
        return QStringLiteral("waiting");
    case State::Paused:
        return QStringLiteral("paused");
    case State::WaitingForNetwork:
        return QStringLiteral("waiting-for-network");
    case State::Finished:
        break;
    }
    return QStringLiteral("finished");
}

/*!
    \fn QString Background::TransferInfo::priorityName(Background::TransferInfo::Priority priority)

    Returns the name of \a priority in lower case: \c low, \c normal or \c high.

    \sa priorityFromName()
*/
QString TransferInfo::priorityName(Priority priority)
{
    switch (priority) {
    case Priority::Low:
        return QStringLiteral("low");
    case Priority::High:
        return QStringLiteral("high");
    case Priority::Normal:
        break;
    }
    return QStringLiteral("normal");
}

/*!
    \fn std::optional<Background::TransferInfo::Priority> Background::TransferInfo::priorityFromName(const QString &name)

    Returns the priority called \a name (\c low, \c normal or \c high, in any case), or
    \c std::nullopt for any other name.

    \sa priorityName()
*/
std::optional<TransferInfo::Priority> TransferInfo::priorityFromName(const QString &name)
{
    for (const Priority p : {Priority::Low, Priority::Normal, Priority::High}) {
        if (name.compare(priorityName(p), Qt::CaseInsensitive) == 0)
            return p;
    }
    return std::nullopt;
}

} // namespace Background
