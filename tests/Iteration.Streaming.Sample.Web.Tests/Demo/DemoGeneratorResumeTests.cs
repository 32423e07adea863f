using System.Text;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Sample.Web.Demo;

namespace Iteration.Streaming.Sample.Web.Tests.Demo;

/// <summary>The demo generator writing each file live, and continuing an interrupted phase from a checkpoint.</summary>
public sealed class DemoGeneratorResumeTests
{
    private static readonly DemoGenerator Generator = new(new StaticOptionsMonitor<DemoOptions>(new DemoOptions { FileDelay = TimeSpan.Zero }), TimeProvider.System);
    private static readonly List<PlannedPhase> Plan =
    [
        new(1, "Core Infrastructure", PhaseKind.CoreInfrastructure, EstimatedFileCount: 5),
        new(2, "User Entity", PhaseKind.Entity, "User", 4),
        new(3, "Support Files", PhaseKind.SupportFiles, EstimatedFileCount: 5),
        new(4, "Main Application", PhaseKind.MainApplication, EstimatedFileCount: 2),
    ];

    [Fact]
    public async Task GenerateAsync_EachFile_IsReportedLiveInContiguousPiecesThatMakeTheYieldedText()
    {
        var progress = new RecordingPhaseProgress();

        var files = await GenerateAsync(Context(Plan[1], progress));

        files.Should().HaveCount(4);
        foreach (var (file, index) in files.Select((f, i) => (f, i)))
        {
            var reports = progress.Live.Where(u => u.File == file.Path).ToList();
            reports.Should().HaveCountGreaterThan(1).And.HaveCountLessThanOrEqualTo(DemoGenerator.LiveSteps);
            var text = new StringBuilder();
            foreach (var report in reports)
            {
                report.Offset.Should().Be(text.Length, "each report starts where the previous one ended");
                text.Append(report.Text);
                var state = DemoState(report);
                (state.Phase, state.File, state.Offset).Should().Be((2, index, text.Length));
            }

            text.ToString().Should().Be(Encoding.UTF8.GetString(file.Content.Span));
        }

        var order = progress.Live.Select(u => u.File).Where((f, i) => i == 0 || f != progress.Live[i - 1].File);
        order.Should().Equal(files.Select(f => f.Path), "one file at a time, in order");
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 7)]
    [InlineData(2, 1)]
    [InlineData(3, -1)]
    public async Task GenerateAsync_ContinuingFromACheckpoint_WritesOnlyWhatFollowsAndMakesTheSameFiles(int filesKept, int charsKept)
    {
        var whole = await GenerateAsync(Context(Plan[1], new RecordingPhaseProgress()));
        var current = Encoding.UTF8.GetString(whole[filesKept].Content.Span);
        var kept = charsKept < 0 ? current : current[..charsKept];
        var checkpoint = Checkpoint(2, whole.Take(filesKept), whole[filesKept].Path, kept);
        var progress = new RecordingPhaseProgress();

        var decision = await Generator.PrepareResumeAsync(Context(Plan[1], checkpoint: checkpoint));
        var rest = await GenerateAsync(Context(Plan[1], progress, checkpoint));

        decision.Continues.Should().BeTrue();
        whole.Take(filesKept).Concat(rest).Select(Describe).Should().Equal(whole.Select(Describe), "the continued phase ends with the same files");
        var first = progress.Live.FirstOrDefault();
        if (kept.Length < current.Length)
        {
            first!.File.Should().Be(whole[filesKept].Path);
            first.Offset.Should().Be(kept.Length, "the file goes on from the checkpoint's text");
            string.Concat(progress.Live.Where(u => u.File == first.File).Select(u => u.Text)).Should().Be(current[kept.Length..]);
        }
        else
        {
            progress.Live.Should().NotContain(u => u.File == whole[filesKept].Path, "the whole file was in the checkpoint");
        }
    }

    [Fact]
    public async Task GenerateAsync_ContinuingBetweenFiles_StartsTheNextFileAtZero()
    {
        var whole = await GenerateAsync(Context(Plan[0], new RecordingPhaseProgress()));
        var checkpoint = Checkpoint(1, whole.Take(2), currentFile: null, currentText: string.Empty);
        var progress = new RecordingPhaseProgress();

        var decision = await Generator.PrepareResumeAsync(Context(Plan[0], checkpoint: checkpoint));
        var rest = await GenerateAsync(Context(Plan[0], progress, checkpoint));

        decision.Continues.Should().BeTrue();
        rest.Select(f => f.Path).Should().Equal(whole.Skip(2).Select(f => f.Path));
        progress.Live[0].Should().Match<PhaseLiveUpdate>(u => u.File == whole[2].Path && u.Offset == 0);
    }

    [Fact]
    public async Task PrepareResumeAsync_CheckpointWithoutAResumeState_Continues()
    {
        var whole = await GenerateAsync(Context(Plan[1], new RecordingPhaseProgress()));
        var checkpoint = Checkpoint(2, [], whole[0].Path, "using ", state: ReadOnlyMemory<byte>.Empty);

        var decision = await Generator.PrepareResumeAsync(Context(Plan[1], checkpoint: checkpoint));

        decision.Continues.Should().BeTrue("the demo is deterministic: the checkpoint alone says where it is");
    }

    [Theory]
    [InlineData("not json at all", "the checkpoint's resume state is not the demo generator's (it is not readable)")]
    [InlineData("{\"generator\":\"ai\",\"version\":1,\"phase\":2}", "the checkpoint's resume state is another generator's")]
    [InlineData("null", "the checkpoint's resume state is another generator's")]
    [InlineData("{\"generator\":\"demo\",\"version\":9,\"phase\":2}", "the checkpoint's resume state is of version 9, which this demo does not read")]
    [InlineData("{\"generator\":\"demo\",\"version\":1,\"phase\":3}", "the checkpoint's resume state is of phase 3, not 2")]
    [InlineData("{\"generator\":\"demo\",\"version\":1,\"phase\":2,\"offset\":-5}", "the checkpoint's resume state is damaged (a negative position)")]
    public async Task PrepareResumeAsync_CorruptOrForeignResumeState_RestartsSayingWhy(string state, string reason)
    {
        var checkpoint = Checkpoint(2, [], currentFile: null, currentText: string.Empty, state: Encoding.UTF8.GetBytes(state));

        var decision = await Generator.PrepareResumeAsync(Context(Plan[1], checkpoint: checkpoint));

        decision.Continues.Should().BeFalse();
        decision.Reason.Should().Be(reason);
    }

    [Fact]
    public async Task PrepareResumeAsync_CheckpointFilesTheDemoDoesNotWrite_Restarts()
    {
        var whole = await GenerateAsync(Context(Plan[1], new RecordingPhaseProgress()));
        var changed = Checkpoint(2, [GeneratedFile.FromText(whole[0].Path, "// someone else's text\n")], currentFile: null, currentText: string.Empty);
        var foreignText = Checkpoint(2, whole.Take(1), whole[1].Path, "<script>alert(1)</script>");
        var tooMany = Checkpoint(2, whole.Concat([GeneratedFile.FromText("extra.cs", "x")]), currentFile: null, currentText: string.Empty);
        var deleted = Checkpoint(2, [GeneratedFile.Delete(whole[0].Path)], currentFile: null, currentText: string.Empty);

        var decisions = new[]
        {
            await Generator.PrepareResumeAsync(Context(Plan[1], checkpoint: changed)),
            await Generator.PrepareResumeAsync(Context(Plan[1], checkpoint: foreignText)),
            await Generator.PrepareResumeAsync(Context(Plan[1], checkpoint: tooMany)),
            await Generator.PrepareResumeAsync(Context(Plan[1], checkpoint: deleted)),
        };

        decisions.Select(d => d.Reason).Should().Equal(
            "the checkpoint's files are not the ones the demo writes in this phase",
            "the checkpoint's file being written is not the text the demo writes next",
            "the checkpoint holds 5 files, more than the demo writes in this phase (4)",
            "the checkpoint's files are not the ones the demo writes in this phase");
    }

    [Fact]
    public async Task PrepareResumeAsync_WithoutACheckpoint_Restarts()
    {
        var decision = await Generator.PrepareResumeAsync(Context(Plan[1]));

        decision.Reason.Should().Be("there is no checkpoint to continue from");
    }

    [Fact]
    public async Task PrepareResumeAsync_WithoutAContext_Throws()
    {
        var act = async () => await Generator.PrepareResumeAsync(null!);

        await act.Should().ThrowAsync<ArgumentNullException>();
    }

    private static DemoResumeState DemoState(PhaseLiveUpdate update) =>
        System.Text.Json.JsonSerializer.Deserialize(update.ResumeState!.Value.Span, DemoJsonContext.Default.DemoResumeState)!;

    private static PhaseCheckpoint Checkpoint(int phase, IEnumerable<GeneratedFile> files, string? currentFile, string currentText, ReadOnlyMemory<byte>? state = null) => new()
    {
        Phase = phase,
        Attempt = 1,
        Files = files.Select(f => f with { PartialOutput = null }).ToList(),
        CurrentFile = currentFile,
        CurrentText = currentText,
        ResumeState = state ?? new DemoResumeState { Phase = phase, File = files.Count(), Offset = currentText.Length }.ToBytes(),
        Sequence = 42,
    };

    private static string Describe(GeneratedFile file) => file.Path + ":" + Encoding.UTF8.GetString(file.Content.Span);

    private static PhaseContext Context(PlannedPhase phase, IPhaseProgress? progress = null, PhaseCheckpoint? checkpoint = null) => new()
    {
        GenerationId = "demo",
        Prompt = "A task tracker",
        Entities = ["User"],
        Phase = phase,
        Plan = Plan,
        Files = new FileManifest { GenerationId = "demo", Files = [] },
        Mode = new GenerationModeAssignment("classic"),
        Progress = progress ?? new RecordingPhaseProgress(),
        Checkpoint = checkpoint,
    };

    private static async Task<List<GeneratedFile>> GenerateAsync(PhaseContext context)
    {
        var files = new List<GeneratedFile>();
        await foreach (var file in Generator.GenerateAsync(context))
        {
            files.Add(file);
        }

        return files;
    }
}
