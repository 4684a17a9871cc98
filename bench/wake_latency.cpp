// What a hand-off between two threads costs on this machine, with no Python involved: the floor
// under any executor's asynchronous round trip (docs/benchmarks.md, runtime section).
//
//   g++ -O2 -std=c++17 -pthread bench/wake_latency.cpp -o /tmp/wake_latency && /tmp/wake_latency
//
// 1. notify: how long the notifying thread spends handing an item to a consumer that sleeps on a
//    condition variable (the cost `submit` pays to wake a worker).
// 2. round trip: one item there and one back, each waking the other thread (what a
//    submit(...).result() through a worker thread needs at least).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

double notify_cost(int rounds) {
  std::mutex mutex;
  std::condition_variable changed;
  int items = 0;
  bool done = false;
  std::thread consumer([&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return items > 0 || done; });
      if (done) return;
      --items;
    }
  });
  std::vector<double> samples;
  for (int i = 0; i < rounds; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // the consumer is asleep again
    auto start = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++items;
    }
    changed.notify_one();
    samples.push_back(micros(Clock::now() - start));
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  changed.notify_one();
  consumer.join();
  return median(samples);
}

double round_trip(int rounds) {
  std::mutex mutex;
  std::condition_variable changed;
  int turn = 0;  // 1: the other thread's
  std::thread other([&] {
    for (int i = 0; i < rounds; ++i) {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return turn == 1; });
      turn = 0;
      changed.notify_all();
    }
  });
  auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) {
    std::unique_lock<std::mutex> lock(mutex);
    turn = 1;
    changed.notify_all();
    changed.wait(lock, [&] { return turn == 0; });
  }
  double each = micros(Clock::now() - start) / rounds;
  other.join();
  return each;
}

}  // namespace

int main() {
  std::printf("notify a sleeping thread: %.2f us (median of 2000)\n", notify_cost(2000));
  std::printf("round trip through another thread: %.2f us (mean of 20000)\n", round_trip(20000));
}
