using Iteration.Streaming.Sqlite.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Iteration.Streaming.Sqlite.Hosting;

/// <summary>
/// Opens the store when the host starts, so a file that cannot be used (not ours, damaged, locked, not writable) stops
/// the start with a clear error instead of failing the first request. Closing is left to the container, after every
/// hosted service (the engine too) has stopped writing.
/// </summary>
internal sealed class SqliteStoreStarter(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<SqliteStore>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
