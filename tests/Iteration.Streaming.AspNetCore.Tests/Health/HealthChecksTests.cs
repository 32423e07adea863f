using System.Net;
using Iteration.Streaming.Records;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Iteration.Streaming.AspNetCore.Tests.Health;

public sealed class HealthChecksTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("iteration-health-");

    [Fact]
    public async Task AddIterationStreamingChecks_WritableFolderAndAnsweringStore_AnswersHealthyOverHttp()
    {
        await using var host = await StartAsync(fileSinkRoot: _folder.FullName);

        using var response = await host.CreateClient().GetAsync("health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("Healthy");
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        report.Entries.Keys.Should().BeEquivalentTo(
            IterationStreamingHealthChecksBuilderExtensions.RecordStoreCheckName, IterationStreamingHealthChecksBuilderExtensions.FileSinkCheckName);
        report.Entries[IterationStreamingHealthChecksBuilderExtensions.FileSinkCheckName].Data["writable"].Should().Be(true);
        _folder.GetFiles(".health-*").Should().BeEmpty("the probe file is deleted");
    }

    [Fact]
    public async Task AddIterationStreamingChecks_SinkFolderIsAFile_ReportsTheFileSinkUnhealthy()
    {
        var blocker = Path.Combine(_folder.FullName, "blocker");
        await File.WriteAllTextAsync(blocker, "not a folder");
        await using var host = await StartAsync(fileSinkRoot: blocker);

        using var response = await host.CreateClient().GetAsync("health");
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        report.Entries[IterationStreamingHealthChecksBuilderExtensions.FileSinkCheckName].Status.Should().Be(HealthStatus.Unhealthy);
        report.Entries[IterationStreamingHealthChecksBuilderExtensions.RecordStoreCheckName].Status.Should().Be(HealthStatus.Healthy);
    }

    [Fact]
    public async Task AddIterationStreamingChecks_StoreDoesNotAnswer_ReportsTheFailureStatusAndTheError()
    {
        await using var host = await StartAsync(
            fileSinkRoot: _folder.FullName,
            failureStatus: HealthStatus.Degraded,
            configureStreaming: s => s.Services.AddSingleton<IGenerationRecordStore, UnreachableRecordStore>());

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        var store = report.Entries[IterationStreamingHealthChecksBuilderExtensions.RecordStoreCheckName];
        store.Status.Should().Be(HealthStatus.Degraded);
        store.Exception.Should().BeOfType<IOException>().Which.Message.Should().Be("connection refused");
        report.Status.Should().Be(HealthStatus.Degraded);
    }

    [Fact]
    public async Task AddIterationStreamingChecks_CalledTwiceWithTags_RegistersEachCheckOnceWithTheTags()
    {
        await using var host = await StartAsync(fileSinkRoot: _folder.FullName, tags: ["ready"], twice: true);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));

        report.Entries.Should().HaveCount(2);
    }

    [Fact]
    public void AddIterationStreamingChecks_NullBuilder_Throws()
    {
        var act = () => IterationStreamingHealthChecksBuilderExtensions.AddIterationStreamingChecks(null!);

        act.Should().Throw<ArgumentNullException>().WithParameterName("builder");
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static Task<KestrelTestHost> StartAsync(
        string fileSinkRoot,
        HealthStatus? failureStatus = null,
        string[]? tags = null,
        bool twice = false,
        Action<Iteration.Streaming.Hosting.IIterationStreamingBuilder>? configureStreaming = null) =>
        KestrelTestHost.StartAsync(
            fileSinkRoot: fileSinkRoot,
            configureStreaming: configureStreaming,
            configureServices: b =>
            {
                var checks = b.Services.AddHealthChecks().AddIterationStreamingChecks(failureStatus, tags);
                if (twice)
                {
                    checks.AddIterationStreamingChecks(failureStatus, tags);
                }
            },
            configureApp: app =>
            {
                app.MapIterationStream();
                app.MapHealthChecks("/health");
            });

    /// <summary>A store whose server is gone: lookups fail; the lists the engine reads at start are empty.</summary>
    private sealed class UnreachableRecordStore : IGenerationRecordStore
    {
        public bool IsDurable => false;

        public ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default) => throw Refused();

        public ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default) => throw Refused();

        public ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default) => throw Refused();

        public ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default) => throw Refused();

        public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<GenerationRecord>>([]);

        public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<GenerationRecord>>([]);

        public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) => throw Refused();

        private static IOException Refused() => new("connection refused");
    }
}
