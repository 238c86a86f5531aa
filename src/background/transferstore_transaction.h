#pragma once

#include "transferstore.h"

#include <optional>

namespace Background {

// synchronous=NORMAL while it lives, FULL again after: see TransferStore::execProgress().
class TransferStore::RelaxedSync
{
public:
    explicit RelaxedSync(TransferStore *store)
        : m_store(store)
    {
        m_store->exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
    }
    ~RelaxedSync() { m_store->exec(QStringLiteral("PRAGMA synchronous=FULL")); }
    RelaxedSync(const RelaxedSync &) = delete;
    RelaxedSync &operator=(const RelaxedSync &) = delete;

private:
    TransferStore *m_store;
};

// Rolls back unless committed, so an early return can never leave a write half done.
// Relaxed: the commit skips the WAL's fsync, for writes that a power loss may undo without
// harm (see TransferStore::execProgress()).
class TransferStore::Transaction
{
public:
    explicit Transaction(TransferStore *store, Sync sync = Sync::Full)
        : m_store(store)
    {
        if (sync == Sync::Relaxed)
            m_relaxed.emplace(store); // released after the COMMIT or ROLLBACK below
        m_active = m_store->exec(QStringLiteral("BEGIN IMMEDIATE"));
    }
    ~Transaction()
    {
        if (m_active)
            m_store->exec(QStringLiteral("ROLLBACK"));
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    bool isActive() const { return m_active; }
    bool commit()
    {
        if (!m_active)
            return false;
        m_active = false;
        return m_store->exec(QStringLiteral("COMMIT"));
    }

private:
    TransferStore *m_store;
    std::optional<RelaxedSync> m_relaxed;
    bool m_active = false;
};

} // namespace Background
