using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// A logger provider that keeps every record the sample's logging configuration lets through, with the message and
/// the structured values.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _records = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyCollection<string> Records => _records;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    /// <summary>Completes once a record matching <paramref name="match"/> is (or already was) logged.</summary>
    public Task WaitForAsync(Func<string, bool> match)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((match, done));
        }

        if (_records.Any(match))
        {
            done.TrySetResult();
        }

        return done.Task;
    }

    private void Add(string record)
    {
        _records.Enqueue(record);
        lock (_waiters)
        {
            foreach (var waiter in _waiters.Where(w => w.Match(record)))
            {
                waiter.Done.TrySetResult();
            }
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, CapturedLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            owner.Add($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {values} {exception}");
        }
    }
}
