using Iteration.Streaming.Sample.Web.Demo;

namespace Iteration.Streaming.Sample.Web;

/// <summary>
/// Builds the sample host exactly as a user would wire the packages; the browser tests build the same host on a random port.
/// </summary>
public static class SampleHost
{
    /// <summary>Builds the application from command-line arguments (configuration keys such as <c>--IterationStreaming:HeartbeatInterval=00:00:01</c>).</summary>
    /// <param name="args">The command line.</param>
    /// <param name="configure">Last-minute changes to the builder (tests use it to pick a port and folders).</param>
    /// <returns>The application, not started.</returns>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });

        // Keep stream tokens (?token=) out of request logs: no HTTP request logging here, and the default
        // ASP.NET Core request log lines are Information-level in "Microsoft.AspNetCore.Hosting", which appsettings raises to Warning.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.Configure<DemoOptions>(builder.Configuration.GetSection(DemoOptions.SectionName));
        builder.Services
            .AddIterationStreaming()
            .AddPhaseGenerator<DemoGenerator>()
            .AddFileSystemSink(ResolveFromWorkingDirectory(builder.Configuration["IterationStreaming:FileSinkRoot"] ?? "data/generations"));
        builder.Services.AddHealthChecks();

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapIterationStream("/generations");
        app.MapHealthChecks("/health");
        return app;
    }

    // Relative sink roots live beside where the sample is run from (the repository root in the README), not in bin/.
    private static string ResolveFromWorkingDirectory(string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(path, Directory.GetCurrentDirectory());
}
