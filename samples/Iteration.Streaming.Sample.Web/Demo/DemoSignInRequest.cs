namespace Iteration.Streaming.Sample.Web.Demo;

/// <summary>The body of <c>POST /account/sign-in</c>: the name to sign in as.</summary>
internal sealed record DemoSignInRequest(string? Name);
