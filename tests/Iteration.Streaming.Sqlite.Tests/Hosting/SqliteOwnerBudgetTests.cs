using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Sqlite.Tests.Hosting;

/// <summary>An owner's daily allowance on the SQLite store, over real HTTP: racing starts never pass it.</summary>
public sealed class SqliteOwnerBudgetTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task HundredRacingStarts_AgainstADailyCap_AdmitExactlyTheCap()
    {
        await using var host = await KestrelTestHost.StartAsync(
            configureServices: b =>
            {
                b.Services.AddIterationStreaming().AddSqliteStore(_folder.File());
                OwnerBudgetRace.Configure(b.Services);
            },
            configureStreaming: OwnerBudgetRace.ResolveOwnerFromHeader);

        var (admitted, refused, refusal) = await OwnerBudgetRace.RaceAsync([host], starts: 100, user: "alice").WithPatience();

        admitted.Should().Be(10, refusal);
        refused.Should().Be(90);
    }
}
