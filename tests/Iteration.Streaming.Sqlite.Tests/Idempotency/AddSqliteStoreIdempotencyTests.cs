using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Sqlite.Idempotency;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Sqlite.Tests.Idempotency;

public sealed class AddSqliteStoreIdempotencyTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AddSqliteStore_KeysAreKeptInTheStoreFileAcrossARestart()
    {
        var path = _folder.File();
        var entry = new IdempotencyEntry { Key = "http:restart", Fingerprint = "f", ExpiresAt = DateTimeOffset.UtcNow.AddHours(24) };
        await using (var first = Provider(path))
        {
            var store = first.GetRequiredService<IIdempotencyStore>();
            store.Should().BeOfType<SqliteIdempotencyStore>().Which.IsDurable.Should().BeTrue();
            await store.TryAddAsync(entry);
            await store.CompleteAsync(entry.Key, entry.Fingerprint, "generation-1\n", entry.ExpiresAt);
        }

        await using var restarted = Provider(path);

        (await restarted.GetRequiredService<IIdempotencyStore>().GetAsync(entry.Key))!.Result.Should().Be("generation-1\n");
    }

    private static ServiceProvider Provider(string path)
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddSqliteStore(path);
        return services.BuildServiceProvider();
    }
}
