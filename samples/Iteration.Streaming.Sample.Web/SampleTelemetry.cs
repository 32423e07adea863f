using Iteration.Streaming.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Iteration.Streaming.Sample.Web;

/// <summary>
/// OpenTelemetry for the library's spans and instruments. <c>--Telemetry:Exporter=console</c> prints them,
/// <c>otlp</c> sends them to a collector (the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, default
/// <c>http://localhost:4317</c>); unset or <c>none</c> (the default) exports nothing.
/// </summary>
internal static class SampleTelemetry
{
    public const string ExporterKey = "Telemetry:Exporter";

    public static void Add(WebApplicationBuilder builder)
    {
        var exporter = (builder.Configuration[ExporterKey] ?? "none").Trim().ToLowerInvariant();
        if (exporter is not ("none" or "" or "console" or "otlp"))
        {
            throw new InvalidOperationException($"{ExporterKey} must be none, console or otlp, but was '{builder.Configuration[ExporterKey]}'.");
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("Iteration.Streaming.Sample.Web"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(IterationStreamingTelemetry.ActivitySourceName);
                if (exporter == "console")
                {
                    tracing.AddConsoleExporter();
                }
                else if (exporter == "otlp")
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(IterationStreamingTelemetry.MeterName);
                if (exporter == "console")
                {
                    metrics.AddConsoleExporter();
                }
                else if (exporter == "otlp")
                {
                    metrics.AddOtlpExporter();
                }
            });
    }
}
