using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
using Iteration.Streaming.Sample.Web.Demo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// The real sample (<see cref="SampleHost.Build"/>) on Kestrel at 127.0.0.1, with its data in a temporary folder that is
/// deleted afterwards and a short <c>Demo:FileDelay</c>. A <see cref="StreamDropper"/> sits in front of it and its logs
/// are captured. With <see cref="Control"/>, the demo generator is paced by the test.
/// </summary>
public sealed class SampleServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDataFolder;

    private SampleServer(WebApplication app, string dataFolder, bool ownsDataFolder, StreamDropper dropper, CapturedLogs logs, DemoControl? control)
    {
        _app = app;
        DataFolder = dataFolder;
        _ownsDataFolder = ownsDataFolder;
        Dropper = dropper;
        Logs = logs;
        Control = control;
    }

    public string DataFolder { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public int Port => BaseAddress.Port;

    public StreamDropper Dropper { get; }

    public CapturedLogs Logs { get; }

    public DemoControl? Control { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the sample.</summary>
    /// <param name="controlled">Pace the demo generator with a <see cref="DemoControl"/>.</param>
    /// <param name="port">A port to listen on (a restart); 0 for any free port.</param>
    /// <param name="dataFolder">The data folder of a previous server (a restart); a new temporary one otherwise.</param>
    /// <param name="settings">More configuration, as command-line <c>--Key=Value</c> pairs.</param>
    /// <param name="losesOnIteration">A parent file the sink loses when an iteration carries the parent's files forward.</param>
    /// <param name="configure">More services, after the sample's own (such as an in-memory telemetry exporter).</param>
    public static async Task<SampleServer> StartAsync(
        bool controlled = false, int port = 0, string? dataFolder = null, string? losesOnIteration = null, Action<WebApplicationBuilder>? configure = null, params string[] settings)
    {
        var ownsDataFolder = dataFolder is null;
        dataFolder ??= Directory.CreateTempSubdirectory("iteration-sample-").FullName;
        var dropper = new StreamDropper();
        var logs = new CapturedLogs();
        var control = controlled ? new DemoControl() : null;
        string[] args =
        [
            $"--urls=http://127.0.0.1:{port}",
            $"--IterationStreaming:FileSinkRoot={Path.Combine(dataFolder, "generations")}",
            $"--Sample:SigningKeyFile={Path.Combine(dataFolder, "signing-key")}",
            "--Demo:FileDelay=00:00:00.010",
            "--IterationStreaming:RetryInterval=00:00:00.250",
            $"--Sample:Database={Path.Combine(dataFolder, "iteration-streaming.db")}",
            "--Sample:StartsPerMinute=100000",
            .. settings,
        ];

        var app = SampleHost.Build(args, builder =>
        {
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton<IStartupFilter>(dropper);
            if (losesOnIteration is not null)
            {
                var sink = builder.Services.Last(d => d.ServiceType == typeof(IFileSink));
                builder.Services.AddSingleton<IFileSink>(sp => new LosingFileSink((IFileSink)sink.ImplementationFactory!(sp), losesOnIteration));
            }

            configure?.Invoke(builder);
            if (control is not null)
            {
                builder.Services.AddSingleton(control);
                builder.Services.AddIterationStreaming().AddPhaseGenerator(sp => new ControlledDemoGenerator(
                    new DemoGenerator(sp.GetRequiredService<IOptionsMonitor<DemoOptions>>(), sp.GetRequiredService<TimeProvider>()),
                    control));
            }
        });

        var server = new SampleServer(app, dataFolder, ownsDataFolder, dropper, logs, control);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        server.BaseAddress = new Uri(app.Urls.Single());
        return server;
    }

    /// <summary>Waits until the generation's log holds its terminal event.</summary>
    public async Task WaitForTerminalEventAsync(string generationId)
    {
        var subscription = await Services.GetRequiredService<IIterationEngine>().WatchAsync(generationId);
        await using (subscription)
        {
            await Task.Run(async () =>
            {
                await foreach (var entry in subscription.ReadAllAsync())
                {
                    if (entry.IsTerminal)
                    {
                        return;
                    }
                }
            }).WithPatience();
        }
    }

    /// <summary>Stops the host as Ctrl+C does: streams end, runs are cancelled.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDataFolder)
        {
            Directory.Delete(DataFolder, recursive: true);
        }
    }
}
