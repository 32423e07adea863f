using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Iteration.Streaming.AspNetCore.Tests.Hosting;

public sealed class ShutdownTests
{
    [Fact]
    public async Task StoppingTheHost_EndsOpenStreamsAtOnceInsteadOfHoldingShutdown()
    {
        await using var host = await KestrelTestHost.StartAsync(
            configureServices: b => b.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(10)));
        var (id, token) = await host.CreateGenerationLogAsync();
        await host.EventLog.AppendAsync(TestEvents.Progress(id, 0));
        using var response = await host.CreateClient().GetStreamAsync(id, token);
        await using var events = response.ReadEventsAsync().GetAsyncEnumerator();
        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();

        await host.StopAsync().WithPatience();

        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeFalse("the stream ends cleanly, so EventSource reconnects elsewhere");
    }
}
