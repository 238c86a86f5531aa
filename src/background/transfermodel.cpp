#include "transfermodel.h"

#include "transferengine.h"

#include <QtCore/QTimer>

namespace Background {

class TransferModelPrivate
{
public:
    explicit TransferModelPrivate(TransferModel *q)
        : q(q)
    {}

    void attach();
    void detach();
    // Reads one transfer again and inserts, updates or removes its row to match.
    // `announced`: the state the engine just signalled.
    void refresh(const QString &identifier,
                 std::optional<TransferInfo::State> announced = std::nullopt);
    // A progress signal: the row's bytes, speed and ETA without reading the store again.
    void progressed(const QString &identifier, qint64 done, qint64 total);
    // Replaces a row, signalling only the roles that changed.
    void update(int row, const TransferInfo &fresh);
    void append(const TransferInfo &info);
    void removeRow(int row);
    void rebuildIndex(int from);

    TransferModel *q;
    SessionConfiguration configuration;
    std::shared_ptr<TransferEngine> engine;
    QList<TransferInfo> rows;
    QHash<QString, int> index; // identifier -> row
};

namespace {

QVariant roleValue(const TransferInfo &t, int role)
{
    switch (role) {
    case Qt::DisplayRole:
    case TransferModel::IdentifierRole:
        return t.identifier;
    case TransferModel::KindRole:
        return t.kind == TransferInfo::Kind::Upload ? QStringLiteral("upload")
                                                    : QStringLiteral("download");
    case TransferModel::UrlRole:
        return t.url;
    case TransferModel::LocalPathRole:
        return t.localPath;
    case TransferModel::StateRole:
        return int(t.state);
    case TransferModel::StateNameRole:
        return TransferInfo::stateName(t.state);
    case TransferModel::BytesDoneRole:
        return t.bytesReceived;
    case TransferModel::BytesTotalRole:
        return t.bytesTotal;
    case TransferModel::ProgressRole:
        if (t.bytesTotal < 0)
            return -1.0;
        if (t.bytesTotal == 0) // an empty file is done once it finished well
            return t.result && t.result->isSuccess() ? 1.0 : 0.0;
        return qBound(0.0, double(t.bytesReceived) / double(t.bytesTotal), 1.0);
    case TransferModel::SpeedRole:
        return t.bytesPerSecond;
    case TransferModel::EtaRole:
        return t.etaSeconds;
    case TransferModel::OutcomeRole:
        return t.result ? int(t.result->outcome()) : -1;
    case TransferModel::HttpStatusRole:
        return t.result ? t.result->httpStatus() : 0;
    case TransferModel::ErrorStringRole:
        return t.lastError;
    case TransferModel::AttemptsRole:
        return t.attempts;
    case TransferModel::NextAttemptAtRole:
        return t.nextAttemptAt;
    case TransferModel::PriorityRole:
        return int(t.priority);
    default:
        return {};
    }
}

constexpr int kFirstRole = TransferModel::IdentifierRole;
constexpr int kLastRole = TransferModel::PriorityRole;

} // namespace

void TransferModelPrivate::attach()
{
    engine = TransferEngine::forConfiguration(configuration);
    TransferEngine *e = engine.get();
    QObject::connect(e,
                     &TransferEngine::stateChanged,
                     q,
                     [this](TransferInfo::Kind, const QString &id, TransferInfo::State state) {
                         refresh(id, state);
                     });
    QObject::connect(e,
                     &TransferEngine::progress,
                     q,
                     [this](TransferInfo::Kind, const QString &id, qint64 done, qint64 total) {
                         progressed(id, done, total);
                     });
    // A canceled transfer (here or by another process) ends with a Canceled result and no row.
    QObject::connect(e,
                     &TransferEngine::finished,
                     q,
                     [this](TransferInfo::Kind, const QString &id, const NetworkResponse &) {
                         refresh(id);
                     });
    QObject::connect(e, &TransferEngine::removed, q, [this](TransferInfo::Kind, const QString &id) {
        if (const int row = index.value(id, -1); row >= 0)
            removeRow(row);
    });
    rows = e->transfers();
    rebuildIndex(0);
}

void TransferModelPrivate::detach()
{
    if (engine)
        QObject::disconnect(engine.get(), nullptr, q, nullptr);
    engine.reset();
    rows.clear();
    index.clear();
}

void TransferModelPrivate::rebuildIndex(int from)
{
    for (int i = from; i < rows.size(); ++i)
        index.insert(rows.at(i).identifier, i);
}

void TransferModelPrivate::append(const TransferInfo &info)
{
    // New transfers are the newest in the store, so they go last, as transfers() orders them.
    const int row = int(rows.size());
    q->beginInsertRows(QModelIndex(), row, row);
    rows.append(info);
    index.insert(info.identifier, row);
    q->endInsertRows();
    Q_EMIT q->countChanged();
}

void TransferModelPrivate::removeRow(int row)
{
    q->beginRemoveRows(QModelIndex(), row, row);
    index.remove(rows.at(row).identifier);
    rows.removeAt(row);
    rebuildIndex(row);
    q->endRemoveRows();
    Q_EMIT q->countChanged();
}

void TransferModelPrivate::refresh(const QString &identifier,
                                   std::optional<TransferInfo::State> announced)
{
    if (!engine)
        return;
    const int row = index.value(identifier, -1);
    std::optional<TransferInfo> fresh = engine->transfer(identifier);
    if (!fresh) {
        if (row >= 0)
            removeRow(row);
        return;
    }
    // The engine's signal is newer than the store: a job it just started has not written
    // its row yet.
    if (announced && fresh->state != TransferInfo::State::Finished) {
        fresh->state = *announced;
        if (*announced != TransferInfo::State::Waiting)
            fresh->nextAttemptAt = QDateTime();
    }
    if (row < 0)
        append(*fresh);
    else
        update(row, *fresh);
}

void TransferModelPrivate::progressed(const QString &identifier, qint64 done, qint64 total)
{
    const int row = index.value(identifier, -1);
    if (!engine || row < 0) {
        refresh(identifier);
        return;
    }
    TransferInfo fresh = rows.at(row);
    fresh.bytesReceived = done;
    fresh.bytesTotal = total;
    engine->addLiveProgress(&fresh);
    update(row, fresh);
}

void TransferModelPrivate::update(int row, const TransferInfo &fresh)
{
    // Only the roles that changed, so a view redraws no more than it must.
    QList<int> changed;
    for (int role = kFirstRole; role <= kLastRole; ++role) {
        if (roleValue(rows.at(row), role) != roleValue(fresh, role))
            changed.append(role);
    }
    rows[row] = fresh;
    if (changed.isEmpty())
        return;
    const QModelIndex at = q->index(row);
    Q_EMIT q->dataChanged(at, at, changed);
}

TransferModel::TransferModel(QObject *parent)
    : QAbstractListModel(parent)
    , d(std::make_unique<TransferModelPrivate>(this))
{
    // The default store opens one event-loop turn later, so a path set right after
    // construction (as QML does) never touches the default one.
    QTimer::singleShot(0, this, [this] {
        if (d->engine)
            return;
        beginResetModel();
        d->attach();
        endResetModel();
        if (!d->rows.isEmpty())
            Q_EMIT countChanged();
    });
}

TransferModel::TransferModel(const SessionConfiguration &configuration, QObject *parent)
    : QAbstractListModel(parent)
    , d(std::make_unique<TransferModelPrivate>(this))
{
    d->configuration = configuration;
    d->attach();
}

TransferModel::~TransferModel()
{
    d->detach();
}

QString TransferModel::storePath() const
{
    return d->configuration.storePath();
}

void TransferModel::setStorePath(const QString &path)
{
    const QString before = d->configuration.storePath();
    SessionConfiguration next = d->configuration;
    next.setStorePath(path);
    if (d->engine && next.storePath() == before)
        return;
    const int oldCount = count();
    beginResetModel();
    d->detach();
    d->configuration = next;
    d->attach();
    endResetModel();
    if (count() != oldCount)
        Q_EMIT countChanged();
    if (storePath() != before)
        Q_EMIT storePathChanged();
}

int TransferModel::count() const
{
    return int(d->rows.size());
}

int TransferModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : count();
}

QVariant TransferModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    return roleValue(d->rows.at(index.row()), role);
}

QHash<int, QByteArray> TransferModel::roleNames() const
{
    return {
            {Qt::DisplayRole, QByteArrayLiteral("display")},
            {IdentifierRole, QByteArrayLiteral("identifier")},
            {KindRole, QByteArrayLiteral("kind")},
            {UrlRole, QByteArrayLiteral("url")},
            {LocalPathRole, QByteArrayLiteral("localPath")},
            {StateRole, QByteArrayLiteral("state")},
            {StateNameRole, QByteArrayLiteral("stateName")},
            {BytesDoneRole, QByteArrayLiteral("bytesDone")},
            {BytesTotalRole, QByteArrayLiteral("bytesTotal")},
            {ProgressRole, QByteArrayLiteral("progress")},
            {SpeedRole, QByteArrayLiteral("speed")},
            {EtaRole, QByteArrayLiteral("eta")},
            {OutcomeRole, QByteArrayLiteral("outcome")},
            {HttpStatusRole, QByteArrayLiteral("httpStatus")},
            {ErrorStringRole, QByteArrayLiteral("errorString")},
            {AttemptsRole, QByteArrayLiteral("attempts")},
            {NextAttemptAtRole, QByteArrayLiteral("nextAttemptAt")},
            {PriorityRole, QByteArrayLiteral("priority")},
    };
}

int TransferModel::indexOf(const QString &identifier) const
{
    return d->index.value(identifier, -1);
}

TransferInfo TransferModel::transfer(int row) const
{
    return row >= 0 && row < count() ? d->rows.at(row) : TransferInfo();
}

void TransferModel::reload()
{
    if (!d->engine)
        return; // the default store opens soon, and reads everything then
    const int oldCount = count();
    beginResetModel();
    d->rows = d->engine->transfers();
    d->index.clear();
    d->rebuildIndex(0);
    endResetModel();
    if (count() != oldCount)
        Q_EMIT countChanged();
}

} // namespace Background
