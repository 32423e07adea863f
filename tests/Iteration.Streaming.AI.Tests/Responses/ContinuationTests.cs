using System.Text;
using System.Text.Json;
using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestHost.Responses;

namespace Iteration.Streaming.AI.Tests.Responses;

/// <summary>
/// A phase cut mid-answer continues inside the same background response (the released MEAI OpenAI Responses client
/// against the fake endpoint): the same files as an uninterrupted run, the text not asked for or billed again.
/// </summary>
public sealed class ContinuationTests
{
    private const int Phase = 2;

    private static readonly ResponsesAnswer Answer = ResponsesAnswer.ForPhase(Phase);

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.9)]
    public async Task Resume_CutMidPhase_ContinuesToTheSameFilesBilledOnce(double fraction)
    {
        await using var rig = await ResumeRig.StartAsync();
        var cut = Answer.CutAt(fraction);
        var checkpoint = await rig.CutAsync(Phase, cut);

        var (decision, files) = await rig.ResumeAsync(Phase, checkpoint);

        decision.Continues.Should().BeTrue(decision.Reason);
        checkpoint.CurrentFile.Should().Be(cut.File);
        checkpoint.CurrentText.Should().HaveLength(cut.FileCharacters);
        Contents(files).Should().Equal(Expected());
        rig.Server.Responses.Should().ContainSingle("the text is not asked for again");
        rig.Server.BilledOutputTokens.Should().BeLessThanOrEqualTo((long)(ResponsesAnswer.Tokens(Answer.Text.Length) * 1.05));
        var continuation = rig.Server.Requests[^1];
        continuation.Method.Should().Be("GET");
        continuation.StartingAfter.Should().Be(SequenceOf(checkpoint));
    }

    [Fact]
    public async Task Resume_ContinuedFile_ReportsFromTheCheckpointsOffset()
    {
        await using var rig = await ResumeRig.StartAsync();
        var cut = Answer.CutAt(0.5);
        var checkpoint = await rig.CutAsync(Phase, cut);
        var before = rig.Harness.Progress.Reports.Count;

        await rig.ResumeAsync(Phase, checkpoint);

        rig.Harness.Progress.Reports.Skip(before).First().Should().Match<LiveReport>(r => r.File == cut.File && r.Offset == cut.FileCharacters);
    }

    [Fact]
    public async Task Resume_ContinuedResponse_CountsItsUsageOnce()
    {
        await using var rig = await ResumeRig.StartAsync();
        var checkpoint = await rig.CutAsync(Phase, Answer.CutAt(0.5));

        await rig.ResumeAsync(Phase, checkpoint);

        rig.Harness.Progress.Usage.Should().Equal((FakeResponsesServer.InputTokens, ResponsesAnswer.Tokens(Answer.Text.Length)));
    }

    [Fact]
    public async Task Resume_ContinuedPhaseCutAgain_ContinuesAgain()
    {
        await using var rig = await ResumeRig.StartAsync();
        var first = await rig.CutAsync(Phase, Answer.CutAt(0.3));
        var second = await rig.CutAsync(Phase, Answer.CutAt(0.7), from: first);

        var (decision, files) = await rig.ResumeAsync(Phase, second);

        decision.Continues.Should().BeTrue(decision.Reason);
        SequenceOf(second).Should().BeGreaterThan(SequenceOf(first));
        Contents(files).Should().Equal(Expected());
        rig.Server.Responses.Should().ContainSingle();
        rig.Server.Requests.Where(r => r.Method == "GET").Select(r => r.StartingAfter).Should().Equal(SequenceOf(first), SequenceOf(second));
    }

    [Theory]
    [InlineData(ResponsesFault.Expired, "the model could not continue its response: the model endpoint answered HTTP 404")]
    [InlineData(ResponsesFault.HttpError, "the model could not continue its response: the model endpoint answered HTTP 500")]
    [InlineData(ResponsesFault.ErrorEvent, "the model answered the continuation with an error")]
    [InlineData(ResponsesFault.ReplayFromStart, "the model replayed its response from the start instead of continuing it")]
    [InlineData(ResponsesFault.AnotherResponse, "the model continued another response than the checkpoint's")]
    public async Task Resume_ContinuationFails_RestartsSayingWhy(ResponsesFault fault, string reason)
    {
        await using var rig = await ResumeRig.StartAsync();
        var checkpoint = await rig.CutAsync(Phase, Answer.CutAt(0.5));
        rig.Server.ContinuationFault = fault;

        var (decision, _) = await rig.ResumeAsync(Phase, checkpoint);

        decision.Continues.Should().BeFalse();
        decision.Reason.Should().StartWith(reason);
    }

    [Fact]
    public async Task Resume_AfterARestartDecision_RegeneratesTheSameFiles()
    {
        await using var rig = await ResumeRig.StartAsync();
        var checkpoint = await rig.CutAsync(Phase, Answer.CutAt(0.5));
        rig.Server.ContinuationFault = ResponsesFault.Expired;
        (await rig.ResumeAsync(Phase, checkpoint)).Decision.Continues.Should().BeFalse();
        rig.Server.ContinuationFault = ResponsesFault.None;

        var files = await rig.RegenerateAsync(Phase);

        Contents(files).Should().Equal(Expected());
        rig.Server.Responses.Should().HaveCount(2, "the phase was asked for again");
    }

    [Fact]
    public async Task Resume_BackgroundResponsesOff_RestartsSayingWhy()
    {
        await using var rig = await ResumeRig.StartAsync(o => o.BackgroundResponses = false);
        var checkpoint = await rig.CutAsync(Phase, Answer.CutAt(0.5));

        var (decision, _) = await rig.ResumeAsync(Phase, checkpoint);

        checkpoint.ResumeState.IsEmpty.Should().BeTrue();
        rig.Server.Requests[0].Background.Should().BeFalse();
        decision.Reason.Should().Be("background responses are off (BackgroundResponses), so the model's answer cannot be continued");
    }

    [Fact]
    public async Task Resume_ClientGivesNoToken_RestartsSayingWhy()
    {
        // A client whose provider has no background responses: the updates carry no continuation token.
        await using var rig = await ResumeRig.StartAsync(client: server => new TokenDroppingChatClient(ResponsesChatClients.Create(server)));
        var checkpoint = await rig.CutAsync(Phase, Answer.CutAt(0.5));

        var (decision, _) = await rig.ResumeAsync(Phase, checkpoint);

        checkpoint.ResumeState.IsEmpty.Should().BeTrue();
        decision.Reason.Should().Be("the model gave no continuation token (its client or server does not support background responses)");
    }

    [Theory]
    [InlineData("not json at all", "the checkpoint's resume state is corrupt")]
    [InlineData("{\"kind\":\"another-generator\",\"version\":1}", "the checkpoint's resume state is not the chat-client generator's")]
    [InlineData("{\"kind\":\"iteration-streaming/chat-continuation\",\"version\":2}", "the checkpoint's resume state has version 2, which this version does not read")]
    [InlineData("{\"kind\":\"iteration-streaming/chat-continuation\",\"version\":1}", "the checkpoint's resume state is corrupt")]
    [InlineData("{\"kind\":\"iteration-streaming/chat-continuation\",\"version\":1,\"token\":\"e30=\",\"file_chars\":-1}", "the checkpoint's resume state is corrupt")]
    public async Task Resume_CorruptOrForeignState_RestartsSayingWhy(string state, string reason)
    {
        await using var rig = await ResumeRig.StartAsync();
        var checkpoint = await rig.CutAsync(Phase, Answer.CutAt(0.5));
        var bad = new PhaseCheckpoint
        {
            Phase = Phase,
            Attempt = 1,
            Files = checkpoint.Files,
            CurrentFile = checkpoint.CurrentFile,
            CurrentText = checkpoint.CurrentText,
            ResumeState = Encoding.UTF8.GetBytes(state),
            Sequence = checkpoint.Sequence,
        };

        var (decision, _) = await rig.ResumeAsync(Phase, bad);

        decision.Reason.Should().Be(reason);
        rig.Server.Requests.Should().NotContain(r => r.Method == "GET", "nothing is asked of the model for a state it cannot use");
    }

    [Fact]
    public async Task Resume_TextNotMatchingTheState_RestartsSayingWhy()
    {
        await using var rig = await ResumeRig.StartAsync();
        var checkpoint = await rig.CutAsync(Phase, Answer.CutAt(0.5));
        var shorter = new PhaseCheckpoint
        {
            Phase = Phase,
            Attempt = 1,
            Files = checkpoint.Files,
            CurrentFile = checkpoint.CurrentFile,
            CurrentText = checkpoint.CurrentText[..^1],
            ResumeState = checkpoint.ResumeState,
            Sequence = checkpoint.Sequence,
        };

        var (decision, _) = await rig.ResumeAsync(Phase, shorter);

        decision.Reason.Should().Be("the checkpoint's text does not match its resume state");
    }

    [Fact]
    public async Task ResumeState_IsVersionedSnakeCaseJsonWithTheToken()
    {
        await using var rig = await ResumeRig.StartAsync();
        var checkpoint = await rig.CutAsync(Phase, Answer.CutAt(0.5));

        using var json = JsonDocument.Parse(checkpoint.ResumeState);

        var root = json.RootElement;
        root.GetProperty("kind").GetString().Should().Be(ChatContinuationState.KindMarker);
        root.GetProperty("version").GetInt32().Should().Be(1);
        root.GetProperty("response_id").GetString().Should().Be(rig.Server.Responses[0].Id);
        root.GetProperty("file").GetString().Should().Be(checkpoint.CurrentFile);
        root.GetProperty("file_chars").GetInt32().Should().Be(checkpoint.CurrentText.Length);
        root.GetProperty("files").GetInt32().Should().Be(checkpoint.Files.Count);
        root.GetProperty("token").GetBytesFromBase64().Should().NotBeEmpty();
    }

    private static int SequenceOf(PhaseCheckpoint checkpoint)
    {
        ChatContinuationState.TryRead(checkpoint.ResumeState, out var state, out _).Should().BeTrue();
        return ChatContinuationState.SequenceNumber(state.Token)!.Value;
    }

    private static List<(string, string)> Expected() => [.. Answer.Files.Select(f => (f.Path, f.Content))];

    private static List<(string, string)> Contents(IEnumerable<GeneratedFile> files) => [.. files.Select(f => (f.Path, f.Text()))];
}
