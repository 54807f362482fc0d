using TensorGuard.Hub.Fake;

// Serves a folder as one Hub repository until stdin closes, for bench/ and manual tries:
//   dotnet run --project tests/TensorGuard.Hub.Fake -- ORG/NAME FOLDER
// Prints the endpoint, then, when stdin closes, the requests and body bytes it served.
if (args is not [var repoId, var folder])
{
    Console.Error.WriteLine("usage: TensorGuard.Hub.Fake ORG/NAME FOLDER");
    return 1;
}

await using FakeHubServer server = await FakeHubServer.StartAsync();
string commit = server.AddRepository(repoId, folder);
Console.WriteLine($"endpoint {server.Endpoint.AbsoluteUri.TrimEnd('/')} commit {commit}");
await Console.In.ReadToEndAsync();
Console.WriteLine($"requests {server.Requests.Count} bytes {server.BytesSent}");
return 0;
