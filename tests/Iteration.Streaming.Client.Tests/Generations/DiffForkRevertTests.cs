using System.Net;
using System.Text;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Generations;

/// <summary>
/// Diff, fork and revert through the client against the real endpoints (<c>MapIterationStream</c> on Kestrel): a
/// one-entity plan is four phases of two files each (<see cref="InstantPhaseGenerator"/>: the content names the
/// generation that wrote it, so a file another generation rewrote is modified and a kept one is unchanged).
/// </summary>
public sealed class DiffForkRevertTests : IAsyncLifetime
{
    /// <summary>
    /// The endpoints of issue 26 (<c>/diff</c>, <c>/fork</c>, <c>/revert</c>) are the http task's: these tests are written
    /// against them and skipped until they are merged. Set to <see langword="null"/> with that merge.
    /// </summary>
    private const string? EndpointsPending = "Needs the issue-26 endpoints (/diff, /fork, /revert) of the http task; set EndpointsPending to null once merged.";

    private const int Phases = 4;
    private static readonly string[] Entities = ["User"];
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;
    private GenerationHandle _parent = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync();
        _client = _host.CreateIterationClient();
        _parent = await CompletedAsync(await _client.StartAsync("Build a task app", Entities));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<GenerationHandle> CompletedAsync(GenerationHandle handle)
    {
        (await _client.WatchAsync(handle).CollectAsync().WithPatience())[^1].Status.Should().Be(GenerationStatus.Completed);
        return handle;
    }

    private static IEnumerable<string> PathsOf(params int[] phases) =>
        phases.SelectMany(p => new[] { InstantPhaseGenerator.PathOf(p, 1), InstantPhaseGenerator.PathOf(p, 2) }).Order(StringComparer.Ordinal);

    private async Task<string> ReadAsync(GenerationHandle handle, string path)
    {
        await using var stream = await _client.DownloadFileAsync(handle, path);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    [Fact(Skip = EndpointsPending)]
    public async Task DiffAsync_IterationAgainstItsParent_ListsEveryRewrittenFileAsModified()
    {
        var child = await CompletedAsync(await _client.IterateAsync(_parent, "Add due dates"));

        var diff = await _client.DiffAsync(child, _parent.GenerationId, _parent.Token);

        diff.GenerationId.Should().Be(child.GenerationId);
        diff.AgainstGenerationId.Should().Be(_parent.GenerationId);
        diff.Files.Select(f => f.Path).Should().Equal(PathsOf(1, 2, 3, 4));
        diff.Files.Should().OnlyContain(f => f.Change == FileChangeKinds.Modified && f.AddedLines == 1 && f.DeletedLines == 1 && f.Diff != null);
        diff.Summary.Should().Be(new GenerationDiffSummary { Modified = 2 * Phases, AddedLines = 2 * Phases, DeletedLines = 2 * Phases });
        diff.Truncated.Should().BeFalse();
    }

    [Fact(Skip = EndpointsPending)]
    public async Task DiffAsync_NewGenerationAgainstPhaseZero_ListsEveryFileAsAdded()
    {
        var diff = await _client.DiffAsync(_parent, "phase:0");

        diff.AgainstGenerationId.Should().Be(_parent.GenerationId);
        diff.AgainstPhase.Should().Be(0);
        diff.Files.Should().OnlyContain(f => f.Change == FileChangeKinds.Added && f.OldSha256 == null);
        diff.Summary.Added.Should().Be(2 * Phases);
    }

    [Fact(Skip = EndpointsPending)]
    public async Task DiffAsync_AgainstPhaseOne_ListsItsFilesUnchangedAndTheLaterOnesAdded()
    {
        var diff = await _client.DiffAsync(_parent.GenerationId, _parent.Token, "phase:1");

        diff.Files.Where(f => f.Change == FileChangeKinds.Unchanged).Select(f => f.Path).Should().Equal(PathsOf(1));
        diff.Files.Where(f => f.Change == FileChangeKinds.Added).Select(f => f.Path).Should().Equal(PathsOf(2, 3, 4));
        diff.Files.Where(f => f.Change == FileChangeKinds.Unchanged).Should().OnlyContain(f => f.Diff == null);
    }

    [Fact(Skip = EndpointsPending)]
    public async Task DiffPatchAsync_IterationAgainstItsParent_HasAHunkPerFileReplacingTheParentsLine()
    {
        var child = await CompletedAsync(await _client.IterateAsync(_parent, "Add due dates"));

        var patch = await _client.DiffPatchAsync(child, _parent.GenerationId, _parent.Token);

        foreach (var path in PathsOf(1, 2, 3, 4))
        {
            patch.Should().Contain($"diff --git a/{path} b/{path}\n");
        }

        patch.Should().Contain("-" + InstantPhaseGenerator.ContentOf(_parent.GenerationId, 1, 1));
        patch.Should().Contain("+" + InstantPhaseGenerator.ContentOf(child.GenerationId, 1, 1));
    }

    [Fact(Skip = EndpointsPending)]
    public async Task DiffAsync_AgainstTokenOfAThirdGeneration_Throws403NamingTheAgainstGeneration()
    {
        var child = await CompletedAsync(await _client.IterateAsync(_parent, "Add due dates"));
        var stranger = await CompletedAsync(await _client.StartAsync("Build a blog", Entities));

        var act = () => _client.DiffAsync(child, _parent.GenerationId, stranger.Token);

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        thrown.Problem!.Detail.Should().Contain($"against generation '{_parent.GenerationId}'");
    }

    [Fact(Skip = EndpointsPending)]
    public async Task DiffAsync_PhaseNotSaved_Throws400()
    {
        var act = () => _client.DiffAsync(_parent, "phase:9");

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact(Skip = EndpointsPending)]
    public async Task ForkAsync_FromPhaseTwo_KeepsPhasesOneAndTwoAndGeneratesTheRest()
    {
        var fork = await _client.ForkAsync(_parent, 2, "Use PostgreSQL");
        await CompletedAsync(fork);

        var diff = await _client.DiffAsync(fork, _parent.GenerationId, _parent.Token);

        fork.ForkedFrom.Should().Be(_parent.GenerationId);
        fork.FromPhase.Should().Be(2);
        (await _client.GetSnapshotAsync(fork)).ForkedFrom.Should().Be(_parent.GenerationId);
        diff.Files.Where(f => f.Change == FileChangeKinds.Unchanged).Select(f => f.Path).Should().Equal(PathsOf(1, 2));
        diff.Files.Where(f => f.Change == FileChangeKinds.Modified).Select(f => f.Path).Should().Equal(PathsOf(3, 4));
    }

    [Fact(Skip = EndpointsPending)]
    public async Task ForkAsync_PastTheLastSavedPhase_Throws400()
    {
        var act = () => _client.ForkAsync(_parent, Phases + 1);

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact(Skip = EndpointsPending)]
    public async Task ForkAsync_WithTheReadTokenOnly_Throws401Or403()
    {
        var act = () => _client.ForkAsync(new GenerationHandle(_parent.GenerationId, _parent.Token) { ControlToken = _parent.Token }, 1);

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().BeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
    }

    [Fact(Skip = EndpointsPending)]
    public async Task RevertAsync_OneFileOfAnIterationToPhaseZero_RestoresTheParentsContentOnly()
    {
        var child = await CompletedAsync(await _client.IterateAsync(_parent, "Add due dates"));
        var path = InstantPhaseGenerator.PathOf(2, 1);

        var revert = await CompletedAsync(await _client.RevertAsync(child, [path], "phase:0"));

        (await ReadAsync(revert, path)).Should().Be(InstantPhaseGenerator.ContentOf(_parent.GenerationId, 2, 1));
        var diff = await _client.DiffAsync(revert, child.GenerationId, child.Token);
        diff.Files.Where(f => f.Change != FileChangeKinds.Unchanged).Select(f => f.Path).Should().Equal(path);
    }

    [Fact(Skip = EndpointsPending)]
    public async Task RevertAsync_PathInNeitherState_Throws400()
    {
        var act = () => _client.RevertAsync(_parent, ["no/such/File.cs"], "phase:1");

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
