using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Sample.Console;

namespace Iteration.Streaming.Client.Tests.SampleConsole;

/// <summary>The console sample's <c>--watch-many</c> against the real engine: N runs started, all watched over one connection.</summary>
public sealed class WatchManyCommandTests : IAsyncLifetime
{
    private readonly StreamFaults _faults = new();
    private readonly StringWriter _output = new();
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() => _host = await KestrelTestHost.StartAsync(configureApp: _faults.MapWithFaults);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _output.DisposeAsync();
    }

    [Fact]
    public async Task RunAsync_ThreeGenerations_ShowsEachOnesEventsOverOneStreamAndEndsCompleted()
    {
        var command = new WatchManyCommand(_host.CreateIterationClient(TestClients.Patient()), _output);

        var exitCode = await command.RunAsync("A task tracker", ["User"], 3, CancellationToken.None).WithPatience();

        exitCode.Should().Be(0);
        var lines = _output.ToString().Split('\n', StringSplitOptions.TrimEntries);
        lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^[0-9a-f-]{36}  completed$")).Should().Be(3, "the summary has a completed line per generation");
        lines.Where(l => l.StartsWith('[')).Select(l => l[..10]).Distinct().Should().HaveCount(3, "each generation's events are shown, tagged");
        _faults.StreamRequests.Should().Be(1);
    }
}
