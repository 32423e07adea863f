using System.Net;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>Many streams at once; the per-generation cap is raised above the test's count (its own tests are in StreamLimitTests).</summary>
public sealed class StreamConcurrencyTests : IAsyncLifetime
{
    private KestrelTestHost Host { get; set; } = null!;

    public async Task InitializeAsync() => Host = await KestrelTestHost.StartAsync(o => o.MaxStreamsPerGeneration = 100);

    public async Task DisposeAsync() => await Host.DisposeAsync();

    [Fact]
    public async Task Stream_OneHundredConcurrentClients_EachGetEveryEventInOrder()
    {
        const int Clients = 100;
        const int Events = 50;
        var (id, token) = await Host.CreateGenerationLogAsync();
        var client = Host.CreateClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => client.GetStreamAsync(id, token))).WithPatience();
        var readers = responses.Select(r => r.ReadAllEventsAsync()).ToList();

        for (var i = 0; i < Events; i++)
        {
            await Host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        await Host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = Host.Now });
        var received = await Task.WhenAll(readers).WithPatience();

        responses.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.OK);
        received.Should().OnlyContain(items => items.Select(i => i.Sequence()).SequenceEqual(Enumerable.Range(1, Events + 1).Select(n => (long)n)));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Stream_OneHundredGenerationsStreamedAtOnce_KeepTheirEventsApart()
    {
        const int Generations = 100;
        var client = Host.CreateClient();
        var generations = await Task.WhenAll(Enumerable.Range(0, Generations).Select(_ => Host.CreateGenerationLogAsync()));
        var responses = await Task.WhenAll(generations.Select(g => client.GetStreamAsync(g.Id, g.Token))).WithPatience();
        var readers = responses.Select(r => r.ReadAllEventsAsync()).ToList();

        await Task.WhenAll(generations.Select(async g =>
        {
            for (var i = 0; i < 10; i++)
            {
                await Host.EventLog.AppendAsync(TestEvents.Progress(g.Id, i));
            }

            await Host.EndGenerationAsync(TestEvents.Completed(g.Id) with { Timestamp = Host.Now });
        }));
        var received = await Task.WhenAll(readers).WithPatience();

        for (var g = 0; g < Generations; g++)
        {
            received[g].Should().HaveCount(11);
            received[g].Select(i => i.ToProgressEvent().GenerationId).Should().OnlyContain(x => x == generations[g].Id);
            responses[g].Dispose();
        }
    }
}
