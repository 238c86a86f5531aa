#pragma once

#include "transferstore.h"

namespace Background {

// Rolls back unless committed, so an early return can never leave a write half done.
class TransferStore::Transaction
{
public:
    explicit Transaction(TransferStore *store)
        : m_store(store)
    {
        m_active = m_store->exec(QStringLiteral("BEGIN IMMEDIATE"));
    }
    ~Transaction()
    {
        if (m_active)
            m_store->exec(QStringLiteral("ROLLBACK"));
    }
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
    bool m_active = false;
};

} // namespace Background
