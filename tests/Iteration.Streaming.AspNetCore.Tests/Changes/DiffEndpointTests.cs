using System.Net;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;

namespace Iteration.Streaming.AspNetCore.Tests.Changes;

/// <summary>
/// <c>GET {prefix}/{id}/diff</c> over Kestrel on the file-system sink: what an iteration wrote, as JSON and as a patch
/// that real <c>git apply</c> takes; skipped files; content negotiation; every bad <c>against</c>; who may read which side.
/// </summary>
public sealed class DiffEndpointTests : IAsyncLifetime
{
    private ChangesHost _host = null!;

    public async Task InitializeAsync() => _host = await ChangesHost.StartAsync(o => o.DiffMaxFileBytes = 1024);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Forged(string token) => token[..^2] + (token[^2] == 'A' ? "BA" : "AA");

    private static IEnumerable<string> Paths(GenerationDiff diff, string change) =>
        diff.Files.Where(f => f.Change == change).Select(f => f.Path);

    [Fact]
    public async Task Diff_IterationAgainstItsParent_ListsExactlyWhatItsEventsSayItWrote()
    {
        var (parent, _) = await _host.CompletedAsync("User", "Task");
        var (iteration, events) = await _host.IteratedAsync(parent);

        var diff = await _host.DiffJsonAsync(iteration, parent.GenerationId, parent.SseToken);

        var written = events.Where(e => e.Stage.EndsWith("_progress", StringComparison.Ordinal) && e.CurrentFile is not null).Select(e => e.CurrentFile!).ToHashSet();
        var changes = events.Last(e => e.Stage.EndsWith("_complete", StringComparison.Ordinal) && e.Stage.StartsWith("phase_", StringComparison.Ordinal)).PhaseInfo!.Changes!;
        var parentFiles = await _host.FileListAsync(parent);
        var childFiles = await _host.FileListAsync(iteration);
        diff.GenerationId.Should().Be(iteration.GenerationId);
        diff.AgainstGenerationId.Should().Be(parent.GenerationId);
        diff.Files.Where(f => f.Change != FileChangeKinds.Unchanged).Select(f => f.Path).Should().BeEquivalentTo(written);
        Paths(diff, FileChangeKinds.Added).Should().Equal("src/added.txt");
        Paths(diff, FileChangeKinds.Modified).Should().Equal("src/shared.txt");
        Paths(diff, FileChangeKinds.Deleted).Should().Equal("src/phase1.txt");
        diff.Summary.Should().Match<GenerationDiffSummary>(s => s.Added == changes.Added && s.Modified == changes.Modified && s.Deleted == changes.Deleted);
        diff.Files.Select(f => f.Path).Should().BeEquivalentTo(parentFiles.Files.Select(f => f.Path).Union(childFiles.Files.Select(f => f.Path)))
            .And.BeInAscendingOrder(StringComparer.Ordinal);
        diff.Files.Count(f => f.Change != FileChangeKinds.Deleted).Should().Be(childFiles.Files.Count);
        diff.Files.Single(f => f.Path == "src/shared.txt").Should().Match<GenerationFileDiff>(f => f.AddedLines == 3 && f.DeletedLines == 2 && f.Diff!.StartsWith("diff --git a/src/shared.txt b/src/shared.txt\n", StringComparison.Ordinal));
        events.Should().NotContain(e => e.WarningType == WarningTypes.DataLossDetection, "the iteration deleted its one missing file itself");
        diff.Truncated.Should().BeFalse();
        diff.Limits.MaxFileBytes.Should().Be(1024);
    }

    [Fact]
    public async Task Diff_PatchAppliedWithGitApplyToTheParentsFiles_GivesTheIterationsFiles()
    {
        var (parent, _) = await _host.CompletedAsync("User", "Task");
        var (iteration, _) = await _host.IteratedAsync(parent);
        var work = Path.Combine(_host.Root, "..", "git-apply-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (var (path, content) in await _host.FilesAsync(parent))
            {
                var target = Path.Combine(work, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await File.WriteAllBytesAsync(target, content);
            }

            using var response = await _host.DiffAsync(iteration.GenerationId, iteration.SseToken, parent.GenerationId, parent.SseToken, accept: "text/x-diff");
            var patch = await response.Content.ReadAsByteArrayAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, Encoding.UTF8.GetString(patch));
            response.Content.Headers.ContentType!.ToString().Should().Be("text/x-diff; charset=utf-8");
            var patchFile = Path.Combine(work, "..", Path.GetFileName(work) + ".patch");
            await File.WriteAllBytesAsync(patchFile, patch);

            var applied = await ChildProcess.RunAsync(ChildProcess.StartInfo("git", work, ["apply", "--verbose", "--whitespace=nowarn", patchFile]), TimeSpan.FromSeconds(60));

            applied.ExitCode.Should().Be(0, applied.Output);
            var result = Directory.EnumerateFiles(work, "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(work, f).Replace('\\', '/'), File.ReadAllBytes);
            var expected = await _host.FilesAsync(iteration);
            result.Keys.Should().BeEquivalentTo(expected.Keys);
            foreach (var (path, content) in expected)
            {
                result[path].Should().Equal(content, path);
            }
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Diff_IterationThatLostAParentFile_DeletedPathsAreTheDataLossWarningsAndNewFileCountItsFiles()
    {
        var (parent, _) = await _host.CompletedAsync("User");
        var lost = (await _host.FileListAsync(parent)).Files.Single(f => f.Path == "src/phase2.txt");
        await File.WriteAllTextAsync(_host.ContentPath(lost.Sha256), "damaged on disk");

        var (iteration, events) = await _host.IteratedAsync(parent);
        var diff = await _host.DiffJsonAsync(iteration, parent.GenerationId, parent.SseToken);

        var warning = events.Single(e => e.WarningType == WarningTypes.DataLossDetection);
        warning.MissingFiles.Should().Equal("src/phase2.txt");
        Paths(diff, FileChangeKinds.Deleted).Should().BeEquivalentTo(warning.MissingFiles!.Append("src/phase1.txt"));
        diff.Files.Count(f => f.Change != FileChangeKinds.Deleted).Should().Be(warning.NewFileCount);
        diff.Files.Count(f => f.Change != FileChangeKinds.Added).Should().Be(warning.ParentFileCount);
    }

    [Fact]
    public async Task Diff_BinaryAndHugeFiles_AreListedAsSkippedWithoutALineDiff()
    {
        var (parent, _) = await _host.CompletedAsync("User");
        _host.Generator.Script = context => context.ParentGenerationId is null || context.Phase.Number != 1
            ? []
            :
            [
                new GeneratedFile { Path = "assets/logo.png", Content = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x00, 0x01, 0x02, 0x00 } },
                GeneratedFile.FromText("data/huge.txt", string.Concat(Enumerable.Repeat("a line of a huge file\n", 200))),
            ];
        var (iteration, _) = await _host.IteratedAsync(parent);

        var diff = await _host.DiffJsonAsync(iteration, parent.GenerationId, parent.SseToken);

        diff.Files.Single(f => f.Path == "assets/logo.png").Should().Match<GenerationFileDiff>(f =>
            f.Change == FileChangeKinds.Added && f.Skipped == DiffSkipReasons.Binary && f.Diff == null && f.NewSize == 8);
        diff.Files.Single(f => f.Path == "data/huge.txt").Should().Match<GenerationFileDiff>(f =>
            f.Change == FileChangeKinds.Added && f.Skipped == DiffSkipReasons.TooLarge && f.Diff == null && f.NewSize > 1024);
        diff.Files.Where(f => f.Skipped is null).Should().OnlyContain(f => f.Change == FileChangeKinds.Unchanged && f.Diff == null);
        diff.Summary.Added.Should().Be(2);
    }

    [Fact]
    public async Task Diff_AgainstItsLastSavedPhase_ListsEveryFileUnchangedWithTheFileReadsHeaders()
    {
        var (generation, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(generation.GenerationId, generation.SseToken, "phase:4");
        var diff = System.Text.Json.JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), IterationStreamingJson.GenerationDiff)!;

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        response.Headers.CacheControl!.Private.Should().BeTrue();
        response.Headers.CacheControl.NoCache.Should().BeTrue();
        response.Headers.Vary.Should().Contain("Accept");
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        diff.Should().Match<GenerationDiff>(d => d.Against == "phase:4" && d.AgainstPhase == 4 && d.AgainstGenerationId == generation.GenerationId);
        diff.Files.Should().HaveCount(5).And.OnlyContain(f => f.Change == FileChangeKinds.Unchanged && f.Diff == null);
    }

    [Fact]
    public async Task Diff_AgainstPhaseZeroOfANewGeneration_ListsEveryFileAdded()
    {
        var (generation, _) = await _host.CompletedAsync("User");

        var diff = await _host.DiffJsonAsync(generation, "phase:0");

        diff.Files.Should().HaveCount(5).And.OnlyContain(f => f.Change == FileChangeKinds.Added && f.OldSha256 == null);
        diff.Summary.Added.Should().Be(5);
    }

    [Fact]
    public async Task Diff_AcceptTextXDiff_AnswersOnePatchAsUtf8Text()
    {
        var (parent, _) = await _host.CompletedAsync("User");
        var (iteration, _) = await _host.IteratedAsync(parent);

        using var response = await _host.DiffAsync(iteration.GenerationId, iteration.SseToken, "phase:0", accept: "text/x-diff");
        var patch = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, patch);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/x-diff");
        response.Content.Headers.ContentType.CharSet.Should().Be("utf-8");
        patch.Should().Contain("diff --git a/src/shared.txt b/src/shared.txt\n").And.Contain("deleted file mode 100644");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("image/png, text/html")]
    [InlineData("application/json;q=0, text/x-diff;q=0")]
    [InlineData("*/*;q=0")]
    public async Task Diff_AcceptAllowingNeitherJsonNorPatch_Answers406(string accept)
    {
        var (generation, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(generation.GenerationId, generation.SseToken, "phase:1", accept: accept);

        (await response.ShouldBeProblemAsync(HttpStatusCode.NotAcceptable)).Should().Contain("text/x-diff").And.Contain("application/json");
    }

    [Theory]
    [InlineData("*/*", "application/json")]
    [InlineData("application/json", "application/json")]
    [InlineData("application/*, text/x-diff;q=0.5", "application/json")]
    [InlineData("text/*", "text/x-diff")]
    [InlineData("application/json;q=0.1, text/x-diff", "text/x-diff")]
    public void Negotiate_AcceptHeader_PicksTheMediaTypeByQuality(string accept, string expected)
    {
        Iteration.Streaming.AspNetCore.Endpoints.DiffEndpoint.Negotiate(accept).Should().Be(expected);
    }

    [Theory]
    [InlineData(null, "'against' is required")]
    [InlineData("", "'against' is required")]
    [InlineData("phase:", "'against'")]
    [InlineData("phase:x", "'against'")]
    [InlineData("phase:01", "'against'")]
    [InlineData("phase:-1", "'against'")]
    [InlineData("phase:1.5", "'against'")]
    [InlineData("not an id!", "'against'")]
    [InlineData("../x", "'against'")]
    public async Task Diff_MissingOrMalformedAgainst_Answers400NamingIt(string? against, string expected)
    {
        var (generation, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(generation.GenerationId, generation.SseToken, against);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain(expected);
    }

    [Fact]
    public async Task Diff_AgainstTooLong_Answers400NamingIt()
    {
        var (generation, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(generation.GenerationId, generation.SseToken, new string('a', 300));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'against'").And.Contain("300");
    }

    [Fact]
    public async Task Diff_AgainstSentTwice_Answers400()
    {
        var (generation, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(generation.GenerationId, generation.SseToken, "phase:1", extraQuery: "against=phase:2");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'against'");
    }

    [Fact]
    public async Task Diff_UnsavedPhase_Answers400NamingTheSavedPhases()
    {
        var (generation, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(generation.GenerationId, generation.SseToken, "phase:9");

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'against'").And.Contain("phase 9").And.Contain("4");
    }

    [Fact]
    public async Task Diff_GenerationWithNoSavedFiles_Answers404()
    {
        var (id, token) = await _host.Host.CreateGenerationLogAsync();

        using var response = await _host.DiffAsync(id, token, "phase:0");

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Diff_AgainstAGenerationWithNoSavedFiles_Answers404()
    {
        var (generation, _) = await _host.CompletedAsync("User");
        var (empty, token) = await _host.Host.CreateGenerationLogAsync();

        using var response = await _host.DiffAsync(generation.GenerationId, generation.SseToken, empty, token);

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Diff_UnknownGenerations_AreRefusedAsTheirTokensWithoutSayingWhetherTheyExist()
    {
        var (generation, _) = await _host.CompletedAsync("User");
        var unknown = Guid.NewGuid().ToString();

        using var route = await _host.DiffAsync(unknown, _host.Host.Tokens.IssueToken(unknown), "phase:0");
        using var against = await _host.DiffAsync(generation.GenerationId, generation.SseToken, unknown, _host.Host.Tokens.IssueToken(unknown));

        (await route.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("expired");
        (await against.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().StartWith($"against generation '{unknown}': ").And.Contain("expired");
    }

    [Fact]
    public async Task Diff_AgainstAnotherGenerationWithItsReadToken_Answers200()
    {
        var (parent, _) = await _host.CompletedAsync("User");
        _host.Generator.Script = _ => [];
        var (iteration, _) = await _host.IteratedAsync(parent);

        var diff = await _host.DiffJsonAsync(iteration, parent.GenerationId, parent.SseToken);

        diff.Files.Should().HaveCount(5).And.OnlyContain(f => f.Change == FileChangeKinds.Unchanged);
    }

    [Fact]
    public async Task Diff_AgainstAnotherGenerationWithItsControlToken_Answers200()
    {
        var (parent, _) = await _host.CompletedAsync("User");
        _host.Generator.Script = _ => [];
        var (iteration, _) = await _host.IteratedAsync(parent);

        using var response = await _host.DiffAsync(iteration.GenerationId, iteration.SseToken, parent.GenerationId, parent.ControlToken);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Diff_AgainstAnotherGenerationWithoutItsToken_Answers401NamingIt()
    {
        var (one, _) = await _host.CompletedAsync("User");
        var (other, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(one.GenerationId, one.SseToken, other.GenerationId);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().StartWith($"against generation '{other.GenerationId}': ").And.Contain("against_token");
        response.Headers.WwwAuthenticate.Should().NotBeEmpty();
    }

    [Fact]
    public async Task Diff_AgainstAnotherGenerationWithAForgedToken_Answers401NamingIt()
    {
        var (one, _) = await _host.CompletedAsync("User");
        var (other, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(one.GenerationId, one.SseToken, other.GenerationId, Forged(other.SseToken));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Be($"against generation '{other.GenerationId}': The token's signature is not valid.");
    }

    [Fact]
    public async Task Diff_AgainstAnotherGenerationWithTheRouteGenerationsToken_Answers403NamingIt()
    {
        var (one, _) = await _host.CompletedAsync("User");
        var (other, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(one.GenerationId, one.SseToken, other.GenerationId, one.SseToken);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Should().StartWith($"against generation '{other.GenerationId}': ").And.Contain("another generation");
    }

    [Fact]
    public async Task Diff_RouteGenerationWithoutToken_Answers401BeforeLookingAtAgainst()
    {
        var (one, _) = await _host.CompletedAsync("User");
        var (other, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(one.GenerationId, token: null, other.GenerationId, other.SseToken);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().NotContain("against generation");
    }

    [Fact]
    public async Task Diff_RouteGenerationWithAForgedOrForeignToken_IsRefused()
    {
        var (one, _) = await _host.CompletedAsync("User");
        var (other, _) = await _host.CompletedAsync("User");

        using var forged = await _host.DiffAsync(one.GenerationId, Forged(one.SseToken), "phase:1");
        using var foreign = await _host.DiffAsync(one.GenerationId, other.SseToken, "phase:1");

        await forged.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await foreign.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Diff_ReadTokenInTheUrl_Answers200()
    {
        var (generation, _) = await _host.CompletedAsync("User");

        using var response = await _host.DiffAsync(generation.GenerationId, token: null, "phase:4", extraQuery: "token=" + Uri.EscapeDataString(generation.SseToken));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Headers.GetValues("Referrer-Policy").Should().Equal("no-referrer");
    }
}
