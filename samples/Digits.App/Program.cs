// Reads every state the project declares through the generated accessors: OpenRead() finds the bytes in the
// output folder (copied by the build) or in the machine-wide cache, and verifies their size and SHA-256.
using System.Security.Cryptography;
using Digits;

foreach (var state in ModelStates.All)
{
    using var stream = state.OpenRead();
    var sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
    Console.WriteLine($"{state.Key}  {state.Size,8} bytes  sha256 {sha256} (verified)  from {state.ResolvePath()}");
}

Console.WriteLine($"ModelStates.Digits is {ModelStates.Digits.Key} from store '{ModelStates.Digits.Store}'.");
