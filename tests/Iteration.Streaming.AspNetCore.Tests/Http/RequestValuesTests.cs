using Iteration.Streaming.AspNetCore.Http;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.AspNetCore.Tests.Http;

public sealed class RequestValuesTests
{
    [Theory]
    [InlineData("src/Program.cs")]
    [InlineData("README.md")]
    [InlineData("a/b/c/d.txt")]
    [InlineData("100%.txt")]
    [InlineData("name with spaces.txt")]
    [InlineData(".gitignore")]
    [InlineData("src/..hidden/x")]
    public void IsSafeRelativePath_PlainRelativePaths_AreAccepted(string path)
    {
        RequestValues.IsSafeRelativePath(path, 260).Should().BeTrue();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("../secret.txt")]
    [InlineData("src/../../secret.txt")]
    [InlineData("src/./x")]
    [InlineData("src//x")]
    [InlineData("src/")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("..\\secret.txt")]
    [InlineData("src\\..\\..\\secret.txt")]
    [InlineData("C:/Windows/win.ini")]
    [InlineData("C:secret")]
    [InlineData("\\\\server\\share\\x")]
    [InlineData("src/\u0000.txt")]
    [InlineData("src/\n.txt")]
    [InlineData("%2e%2e/secret.txt")]
    [InlineData("%2E%2E%2Fsecret.txt")]
    [InlineData("src/%2e%2e/%2e%2e/secret.txt")]
    [InlineData("..%2fsecret.txt")]
    [InlineData("..%5csecret.txt")]
    [InlineData("%5c%5cserver%5cshare")]
    [InlineData("src/%00.txt")]
    [InlineData("  /x")]
    public void IsSafeRelativePath_HostilePaths_AreRefused(string? path)
    {
        RequestValues.IsSafeRelativePath(path, 260).Should().BeFalse();
    }

    [Fact]
    public void IsSafeRelativePath_OverTheLengthLimit_IsRefused()
    {
        RequestValues.IsSafeRelativePath(new string('a', 261), 260).Should().BeFalse();
        RequestValues.IsSafeRelativePath(new string('a', 260), 260).Should().BeTrue();
    }

    [Theory]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301", true)]
    [InlineData("3F2504E04F8911D39A0C0305E82C3301", true)]
    [InlineData("gen_1", true)]
    [InlineData("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}", false)]
    [InlineData("../etc", false)]
    [InlineData("a b", false)]
    [InlineData("a%2fb", false)]
    [InlineData("é", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsGenerationId_AcceptsTheEnginesIdAlphabet(string? value, bool expected)
    {
        RequestValues.IsGenerationId(value).Should().Be(expected);
    }

    [Fact]
    public void IsGenerationId_LongerThan128Characters_IsRefused()
    {
        RequestValues.IsGenerationId(new string('a', 128)).Should().BeTrue();
        RequestValues.IsGenerationId(new string('a', 129)).Should().BeFalse();
    }

    [Theory]
    [InlineData(null, null, 0L)]
    [InlineData("", null, 0L)]
    [InlineData("0", null, 0L)]
    [InlineData("42", null, 42L)]
    [InlineData(null, "17", 17L)]
    [InlineData("5", "9", 5L)]
    [InlineData("9223372036854775807", null, long.MaxValue)]
    public void TryGetLastEventId_ValidValues_AreRead(string? header, string? query, long expected)
    {
        var request = Request(header, query);

        RequestValues.TryGetLastEventId(request, out var after, out var error).Should().BeTrue(error);

        after.Should().Be(expected);
    }

    [Theory]
    [InlineData("x", null)]
    [InlineData("-1", null)]
    [InlineData("1,2", null)]
    [InlineData(null, "0.5")]
    [InlineData(null, "9223372036854775808")]
    public void TryGetLastEventId_InvalidValues_AreRefusedWithADetail(string? header, string? query)
    {
        var request = Request(header, query);

        RequestValues.TryGetLastEventId(request, out _, out var error).Should().BeFalse();

        error.Should().Contain("non-negative integer");
    }

    [Fact]
    public void GetToken_BearerHeader_IsReadCaseInsensitivelyAndTrimmed()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "bearer   abc.def  ";

        RequestValues.GetToken(context.Request).Should().Be(("abc.def", false));
    }

    [Fact]
    public void GetToken_TwoAuthorizationHeaders_ReadAsMalformed()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = new Microsoft.Extensions.Primitives.StringValues(["Bearer a.b", "Bearer c.d"]);

        RequestValues.GetToken(context.Request).Should().Be(("..", false));
    }

    [Fact]
    public void GetToken_QueryAndHeader_TakesTheQueryAndSaysItCameFromTheUrl()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer header.token";
        context.Request.QueryString = QueryString.Create("token", "query.token");

        RequestValues.GetToken(context.Request).Should().Be(("query.token", true));
    }

    [Fact]
    public void GetToken_RepeatedQuery_ReadsAsMalformedFromTheUrl()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString("?token=a.b&token=c.d");

        RequestValues.GetToken(context.Request).Should().Be(("..", true));
    }

    [Theory]
    [InlineData("?token=a.b", "token", new[] { "a.b" })]
    [InlineData("?TOKEN=a.b", "token", new[] { "a.b" })]
    [InlineData("?%74oken=a%2Eb", "token", new[] { "a.b" })]
    [InlineData("?token=a+b&x=1", "token", new[] { "a b" })]
    [InlineData("?x=1&token=", "token", new[] { "" })]
    [InlineData("?token", "token", new[] { "" })]
    [InlineData("?token=1&token=2&token=3", "token", new[] { "1", "2" })]
    [InlineData("?tokens=1&xtoken=2", "token", new string[0])]
    [InlineData("", "token", new string[0])]
    [InlineData("?&&=&token=%zz", "token", new[] { "%zz" })]
    public void GetQueryValues_ReadsTheRawQueryAsTheQueryCollectionWould(string query, string name, string[] expected)
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString(query);

        var values = RequestValues.GetQueryValues(context.Request, name);

        values.ToArray().Should().Equal(expected);
        var parsed = context.Request.Query[name].ToArray();
        parsed.Take(2).Should().Equal(expected, "the same values as ASP.NET Core's own parsing, up to the two that tell 'repeated'");
    }

    [Fact]
    public void GetToken_FromTheQuery_LeavesTheRequestsQueryUnparsed()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = QueryString.Create("token", "query.token");

        RequestValues.GetToken(context.Request).Should().Be(("query.token", true));

        context.Features.Get<Microsoft.AspNetCore.Http.Features.IQueryFeature>().Should().BeNull("a stream holds no parsed query for its whole life");
    }

    [Fact]
    public void GetBearerToken_IgnoresTheQuery()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = QueryString.Create("token", "query.token");

        RequestValues.GetBearerToken(context.Request).Should().BeNull();
        RequestValues.HasQueryToken(context.Request).Should().BeTrue();
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer")]
    [InlineData("Token abc.def")]
    public void GetBearerToken_OtherScheme_IsNoToken(string header)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = header;

        RequestValues.GetBearerToken(context.Request).Should().BeNull();
    }

    private static HttpRequest Request(string? header, string? query)
    {
        var context = new DefaultHttpContext();
        if (header is not null)
        {
            context.Request.Headers["Last-Event-ID"] = header;
        }

        if (query is not null)
        {
            context.Request.QueryString = QueryString.Create("lastEventId", query);
        }

        return context.Request;
    }
}
