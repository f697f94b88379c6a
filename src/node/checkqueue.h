// A pool of worker threads that runs independent checks (script verification of a block's inputs) with Bitcoin
// Core's CCheckQueue semantics: the validating thread adds batches, then joins the workers until every check ran;
// the result is "no failure" or one failure found (once a failure is known, remaining checks are skipped).
#pragma once

#include <algorithm>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

template <typename T, typename R = std::remove_cvref_t<decltype(std::declval<T>()().value())>>
class CheckQueue
{
public:
    /** worker_threads extra threads (0: none; callers then run checks inline). */
    CheckQueue(unsigned batch_size, int worker_threads) : m_batch_size(std::max(1u, batch_size))
    {
        for (int i = 0; i < worker_threads; ++i) m_workers.emplace_back([this] { Run(false); });
    }
    ~CheckQueue()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_worker_cv.notify_all();
        for (std::thread& t : m_workers) t.join();
    }
    CheckQueue(const CheckQueue&) = delete;
    CheckQueue& operator=(const CheckQueue&) = delete;

    bool HasThreads() const { return !m_workers.empty(); }
    int WorkerCount() const { return static_cast<int>(m_workers.size()); }

    void Add(std::vector<T>&& checks)
    {
        if (checks.empty()) return;
        {
            std::lock_guard lock(m_mutex);
            m_queue.insert(m_queue.end(), std::make_move_iterator(checks.begin()), std::make_move_iterator(checks.end()));
            m_todo += checks.size();
        }
        if (checks.size() == 1) {
            m_worker_cv.notify_one();
        } else {
            m_worker_cv.notify_all();
        }
    }

    /** The calling thread works along until the queue is drained; returns a failure if any check failed. */
    std::optional<R> Complete() { return Run(true); }

    /** One block's checks at a time (Core's CCheckQueueControl holds this while a block is connected). */
    std::mutex& ControlMutex() { return m_control_mutex; }

private:
    std::optional<R> Run(bool master)
    {
        std::condition_variable& cv = master ? m_master_cv : m_worker_cv;
        std::vector<T> batch;
        batch.reserve(m_batch_size);
        size_t taken = 0;
        std::optional<R> local;
        std::unique_lock lock(m_mutex);
        ++m_total;
        for (;;) {
            if (taken) {
                // Report the batch just finished.
                if (local && !m_result) m_result = std::move(local);
                local.reset();
                m_todo -= taken;
                taken = 0;
                if (m_todo == 0 && !master) m_master_cv.notify_one();
            }
            while (m_queue.empty() && !m_stop) {
                if (master && m_todo == 0) {
                    --m_total;
                    std::optional<R> out = std::move(m_result);
                    m_result.reset();
                    return out;
                }
                ++m_idle;
                cv.wait(lock);
                --m_idle;
            }
            if (m_stop) {
                --m_total;
                return std::nullopt;
            }
            // Take a share of the queue so every thread gets work, at most a batch, at least one check.
            taken = std::max<size_t>(1, std::min<size_t>(m_batch_size, m_queue.size() / (m_total + m_idle + 1)));
            batch.assign(std::make_move_iterator(m_queue.end() - static_cast<ptrdiff_t>(taken)),
                         std::make_move_iterator(m_queue.end()));
            m_queue.erase(m_queue.end() - static_cast<ptrdiff_t>(taken), m_queue.end());
            const bool work = !m_result;  // a known failure makes the rest pointless
            lock.unlock();
            if (work) {
                for (T& check : batch) {
                    local = check();
                    if (local) break;
                }
            }
            batch.clear();
            lock.lock();
        }
    }

    const size_t m_batch_size;
    std::mutex m_mutex;
    std::mutex m_control_mutex;
    std::condition_variable m_worker_cv;
    std::condition_variable m_master_cv;
    std::vector<T> m_queue;
    size_t m_todo{0};
    int m_total{0};
    int m_idle{0};
    bool m_stop{false};
    std::optional<R> m_result;
    std::vector<std::thread> m_workers;
};
