namespace Iteration.Streaming.Client.Tests.Arguments;

/// <summary>
/// Bad arguments to <see cref="IterationClient.WatchManyAsync"/> and <see cref="IterationClient.WatchOwnerAsync"/> are
/// refused when called, before any request, with an error naming the entry or the option. The client points at a port
/// where nothing listens: a request that did go out would fail differently.
/// </summary>
public sealed class WatchManyArgumentTests : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = Watching.WatchCancellationTests.ClosedPort() };
    private readonly IterationClient _client;

    public WatchManyArgumentTests() => _client = new IterationClient(_http);

    public void Dispose() => _http.Dispose();

    private static GenerationHandle NewHandle() => new(TestEvents.NewId(), "token");

    public static TheoryData<string> BadCursors =>
    [
        string.Empty,
        "has space",
        "tab\there",
        "line\nbreak",
        "caf\u00e9",
        new string('c', WatchManyOptions.MaxCursorLength + 1),
    ];

    [Fact]
    public void WatchManyAsync_NullSet_ThrowsArgumentNullException()
    {
        var act = () => _client.WatchManyAsync(null!);

        act.Should().Throw<ArgumentNullException>().WithParameterName("generations");
    }

    [Fact]
    public void WatchManyAsync_EmptySet_ThrowsArgumentExceptionSayingSo()
    {
        var act = () => _client.WatchManyAsync([]);

        act.Should().Throw<ArgumentException>().WithParameterName("generations").WithMessage("*empty*at least one*");
    }

    [Fact]
    public void WatchManyAsync_NullHandle_ThrowsArgumentExceptionNamingItsIndex()
    {
        var act = () => _client.WatchManyAsync([NewHandle(), null!, NewHandle()]);

        act.Should().Throw<ArgumentException>().WithParameterName("generations").WithMessage("generations[1] is null.*");
    }

    [Fact]
    public void WatchManyAsync_SameGenerationTwice_ThrowsArgumentExceptionNamingBothEntries()
    {
        var first = NewHandle();
        var act = () => _client.WatchManyAsync([first, NewHandle(), GenerationHandle.ForOwner(first.GenerationId)]);

        act.Should().Throw<ArgumentException>().WithParameterName("generations")
            .WithMessage($"generations[2] ('{first.GenerationId}') is the generation of generations[0]*each generation once*");
    }

    [Fact]
    public void WatchManyAsync_MoreThanTheMaximum_ThrowsArgumentExceptionNamingTheCap()
    {
        var handles = Enumerable.Range(0, WatchManyOptions.MaxGenerations + 1).Select(_ => NewHandle()).ToList();

        var act = () => _client.WatchManyAsync(handles);

        act.Should().Throw<ArgumentException>().WithParameterName("generations").WithMessage("*at most 1000 generations*");
    }

    [Fact]
    public void WatchManyAsync_EndlessSequence_StopsAtTheMaximum()
    {
        var read = 0;
        IEnumerable<GenerationHandle> Endless()
        {
            while (true)
            {
                read++;
                yield return NewHandle();
            }
        }

        var act = () => _client.WatchManyAsync(Endless());

        act.Should().Throw<ArgumentException>().WithParameterName("generations");
        read.Should().Be(WatchManyOptions.MaxGenerations + 1);
    }

    [Fact]
    public void WatchManyAsync_ExactlyTheMaximum_IsAccepted()
    {
        var handles = Enumerable.Range(0, WatchManyOptions.MaxGenerations).Select(_ => NewHandle()).ToList();

        var act = () => _client.WatchManyAsync(handles);

        act.Should().NotThrow();
    }

    [Fact]
    public void WatchManyAsync_FromNotDefined_ThrowsArgumentOutOfRangeNamingIt()
    {
        var act = () => _client.WatchManyAsync([NewHandle()], new WatchManyOptions { From = (WatchManyFrom)7 });

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("options").WithMessage("From must be Now or Start, but was 7.*");
    }

    [Theory]
    [MemberData(nameof(BadCursors))]
    public void WatchManyAsync_CursorTheServerCouldNotHaveSent_ThrowsArgumentExceptionNamingIt(string cursor)
    {
        var act = () => _client.WatchManyAsync([NewHandle()], new WatchManyOptions { LastEventId = cursor });

        act.Should().Throw<ArgumentException>().WithParameterName("options").WithMessage("LastEventId must be*");
    }

    [Fact]
    public void WatchOwnerAsync_FromNotDefined_ThrowsArgumentOutOfRangeNamingIt()
    {
        var act = () => _client.WatchOwnerAsync(new WatchManyOptions { From = (WatchManyFrom)(-1) });

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("options").WithMessage("From must be*");
    }

    [Theory]
    [MemberData(nameof(BadCursors))]
    public void WatchOwnerAsync_CursorTheServerCouldNotHaveSent_ThrowsArgumentExceptionNamingIt(string cursor)
    {
        var act = () => _client.WatchOwnerAsync(new WatchManyOptions { LastEventId = cursor });

        act.Should().Throw<ArgumentException>().WithParameterName("options").WithMessage("LastEventId must be*");
    }

    [Fact]
    public void WatchOwnerAsync_LongestCursor_IsAccepted()
    {
        var act = () => _client.WatchOwnerAsync(new WatchManyOptions { LastEventId = new string('c', WatchManyOptions.MaxCursorLength) });

        act.Should().NotThrow();
    }
}
