using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace MfaPhone.Module.Tests;

/// <summary>
/// The SWIG boundary: what scripts can see of it, who owns what crosses it, how native failures
/// come back, and how secrets and strings are copied over.
/// </summary>
public sealed class InteropBoundaryTests
{
    private static readonly string[] Proxies =
    {
        "Session", "Operation", "Event", "ContextInfo", "ConnectOptions", "PhoneMethod",
        "StringVector", "ByteVector", "PhoneMethodVector", "LogLevel", "EventKind",
        "OperationStats", "PhoneMethodsOperation", "PhoneMethodsResult", "ReadOptions",
        "MfaPhoneNative", "MfaPhoneNativePINVOKE",
    };

    [Fact]
    public void NoNativeProxyIsVisibleToScripts()
    {
        using var ps = new PowerShellHarness();
        var r = ps.Run("$args[0].ForEach({ $null -eq (('MfaPhone.Native.' + $_) -as [type]) })", (object)Proxies);
        Assert.Null(r.Terminating);
        Assert.Equal(Proxies.Select(_ => (object)true), r.Output.Select(o => o.BaseObject));

        var assembly = ModuleReflection.Assembly(ps);
        foreach (var name in Proxies)
        {
            var type = ModuleReflection.Type(assembly, "MfaPhone.Native." + name);  // it exists...
            Assert.False(type.IsVisible, type.FullName + " is visible outside the module");  // ...but only inside
        }
        // The only public types of the native namespace are the exceptions scripts catch.
        var exported = assembly.GetExportedTypes().Where(t => t.Namespace == "MfaPhone.Native").ToList();
        Assert.NotEmpty(exported);
        Assert.All(exported, t => Assert.True(typeof(Exception).IsAssignableFrom(t), t.FullName));
    }

    [Fact]
    public void VectorMembersAndElementsAreReadAsOwnedCopies()
    {
        using var ps = new PowerShellHarness();
        var assembly = ModuleReflection.Assembly(ps);

        // ContextInfo.Roles(): a copy, so changing it changes nothing in the struct, and it
        // stays valid after the struct is gone.
        var info = ModuleReflection.New(assembly, "MfaPhone.Native.ContextInfo");
        var roles = ModuleReflection.Call(info, "Roles")!;
        Assert.True(ModuleReflection.OwnsMemory(roles));
        ModuleReflection.Call(roles, "Add", "Injected.Role");
        var again = ModuleReflection.Call(info, "Roles")!;
        Assert.Equal(0, ModuleReflection.Get(again, "Count"));
        ((IDisposable)again).Dispose();
        ((IDisposable)info).Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(1, ModuleReflection.Get(roles, "Count"));
        Assert.Equal("Injected.Role", ModuleReflection.Item(roles, 0));
        ((IDisposable)roles).Dispose();

        // PhoneMethodsResult.Methods(): the same.
        var ev = ModuleReflection.New(assembly, "MfaPhone.Native.PhoneMethodsResult");
        var methods = ModuleReflection.Call(ev, "Methods")!;
        Assert.True(ModuleReflection.OwnsMemory(methods));
        var method = ModuleReflection.New(assembly, "MfaPhone.Native.PhoneMethod");
        ModuleReflection.Set(method, "PhoneType", "mobile");
        ModuleReflection.Set(method, "PhoneNumber", "+46 701234567");
        ModuleReflection.Call(methods, "Add", method);
        ((IDisposable)method).Dispose();
        var methodsAgain = ModuleReflection.Call(ev, "Methods")!;
        Assert.Equal(0, ModuleReflection.Get(methodsAgain, "Count"));
        ((IDisposable)methodsAgain).Dispose();
        ((IDisposable)ev).Dispose();

        // A vector's element is an owned copy too: it outlives the vector.
        var element = ModuleReflection.Item(methods, 0)!;
        Assert.True(ModuleReflection.OwnsMemory(element));
        ((IDisposable)methods).Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal("+46 701234567", ModuleReflection.Get(element, "PhoneNumber"));
        ((IDisposable)element).Dispose();
    }

    [Fact]
    public void EveryWrapperFunctionAllocatesOnlyInsideTheExceptionMapping()
    {
        string wrap = Path.GetFullPath(Path.Combine(PowerShellHarness.ModuleDir, "..", "..", "wrapper", "mfaphoneCSHARP_wrap.cxx"));
        Assert.True(File.Exists(wrap), $"the generated wrapper is missing at {wrap}: build the module first");
        string source = File.ReadAllText(wrap);
        var functions = Regex.Matches(source, @"SWIGEXPORT [^\n]*?SWIGSTDCALL (CSharp_\w+)\([^)]*\) \{");
        Assert.True(functions.Count > 100, $"only {functions.Count} wrapper functions found");
        var problems = new List<string>();
        foreach (Match f in functions)
        {
            int open = f.Index + f.Length - 1;
            string body = source.Substring(open + 1, MatchBrace(source, open) - open - 1);
            string name = f.Groups[1].Value;
            // Every function (members' getters and setters too) maps native exceptions.
            if (!body.Contains("catch (...)")) problems.Add(name + ": no catch (...)");
            // Outside the try blocks nothing may allocate: no new, no string copies, no
            // member assignments (string and vector members copy).
            string outside = WithoutTryBlocks(body);
            if (Regex.IsMatch(outside, @"\bnew\b")) problems.Add(name + ": 'new' outside try");
            if (outside.Contains(".assign(")) problems.Add(name + ": string copy outside try");
            if (Regex.IsMatch(outside, @"->\w+\s*=[^=]")) problems.Add(name + ": member assignment outside try");
        }
        Assert.Empty(problems);
    }

    [Fact]
    public void ASecretBecomesAVectorOfExactlyItsUtf8BytesWithNoRoomToGrow()
    {
        using var ps = new PowerShellHarness();
        var assembly = ModuleReflection.Assembly(ps);
        var secretBytes = ModuleReflection.Type(assembly, "MfaPhone.Commands.SecretBytes");

        const string secret = "Zoë~Ångström-漢字🙂-Secret.42";
        byte[] expected = Encoding.UTF8.GetBytes(secret);
        // Growing a vector byte by byte doubles its capacity: a length that is no power of two
        // shows whether the vector was made with its final size.
        Assert.NotEqual(0, expected.Length & (expected.Length - 1));
        using var secure = new SecureString();
        foreach (char c in secret) secure.AppendChar(c);

        var vector = ModuleReflection.CallStatic(secretBytes, "ToNative", secure)!;
        Assert.Equal(expected.Length, ModuleReflection.Get(vector, "Count"));
        Assert.Equal(expected.Length, ModuleReflection.Get(vector, "Capacity"));
        Assert.Equal(expected, Enumerable.Range(0, expected.Length).Select(i => (byte)ModuleReflection.Item(vector, i)!));
        ModuleReflection.Call(vector, "Wipe");
        Assert.Equal(0, ModuleReflection.Get(vector, "Count"));
        ((IDisposable)vector).Dispose();

        using var empty = new SecureString();
        var error = Assert.ThrowsAny<Exception>(() => ModuleReflection.CallStatic(secretBytes, "ToNative", empty));
        Assert.Equal("InvalidInput", ModuleReflection.ErrorId(error));
    }

    [Fact]
    public void AStringHoldingNulIsRefusedBeforeItCrossesAsInvalidInput()
    {
        using var ps = new PowerShellHarness();
        var assembly = ModuleReflection.Assembly(ps);
        var options = ModuleReflection.New(assembly, "MfaPhone.Native.ConnectOptions");
        ModuleReflection.Set(options, "TenantId", "contoso.onmicrosoft.com");
        var error = Assert.ThrowsAny<Exception>(() => ModuleReflection.Set(options, "TenantId", "evil.onmicrosoft.com\0contoso"));
        Assert.Equal("MfaPhoneInvalidInputException", error.GetType().Name);
        Assert.Contains("NUL", error.Message);
        Assert.Equal("contoso.onmicrosoft.com", ModuleReflection.Get(options, "TenantId"));
        ((IDisposable)options).Dispose();

        // Through a cmdlet it is an InvalidInput error record.
        var r = ps.Run("""
            $secret = [System.Net.NetworkCredential]::new('', 'x').SecurePassword
            Connect-MfaGraph -TenantId "contoso`0.onmicrosoft.com" -ClientId app -ClientSecret $secret -AuthorityHost http://127.0.0.1:9 -GraphEndpoint http://127.0.0.1:9
            """);
        Assert.NotNull(r.Terminating);
        Assert.Equal("InvalidInput,MfaPhone.Commands.ConnectMfaGraphCommand", r.FirstErrorId);
        Assert.Contains("NUL", r.Terminating!.Message);
    }

    [Fact]
    public void ANativeLibraryThatCannotLoadIsNamedWithWhatIsMissing()
    {
        using var ps = new PowerShellHarness();
        var assembly = ModuleReflection.Assembly(ps);
        var loader = ModuleReflection.Type(assembly, "MfaPhone.Native.NativeLoader");
        string staged = (string)ModuleReflection.GetStatic(loader, "LibraryPath")!;
        string dir = Path.Combine(Path.GetTempPath(), "mfaphone-loader-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string missing = Path.Combine(dir, "absent.so");
            var notFound = Assert.ThrowsAny<Exception>(() => ModuleReflection.CallStatic(loader, "Load", missing));
            Assert.Equal("NativeLibraryMissing", ModuleReflection.ErrorId(notFound));
            Assert.Contains(missing, notFound.Message);

            string garbage = Path.Combine(dir, "garbage.so");
            File.WriteAllText(garbage, "not a shared library");
            var bad = Assert.ThrowsAny<Exception>(() => ModuleReflection.CallStatic(loader, "Load", garbage));
            Assert.Equal("NativeLibraryLoadFailed", ModuleReflection.ErrorId(bad));
            Assert.Contains(garbage, bad.Message);
            Assert.IsNotType<System.Reflection.TargetInvocationException>(bad.InnerException);

            if (OperatingSystem.IsLinux())
            {
                // A copy of the real library whose libcurl dependency is renamed to one that
                // does not exist: the message names the missing dependency.
                byte[] image = File.ReadAllBytes(staged);
                byte[] from = Encoding.ASCII.GetBytes("libcurl.so.4\0"), to = Encoding.ASCII.GetBytes("libnone.so.4\0");
                int at = image.AsSpan().IndexOf(from);
                Assert.True(at >= 0, "the native library does not name libcurl.so.4");
                for (; at >= 0; at = image.AsSpan().IndexOf(from)) to.CopyTo(image, at);
                string broken = Path.Combine(dir, "libbroken.so");
                File.WriteAllBytes(broken, image);
                var dependency = Assert.ThrowsAny<Exception>(() => ModuleReflection.CallStatic(loader, "Load", broken));
                Assert.Equal("NativeLibraryLoadFailed", ModuleReflection.ErrorId(dependency));
                Assert.Contains(broken, dependency.Message);
                Assert.Contains("libnone.so.4", dependency.Message);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    // Index of the brace matching the '{' at `open`, skipping string and character literals.
    private static int MatchBrace(string s, int open)
    {
        int depth = 0;
        for (int i = open; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '"' || c == '\'')
            {
                for (i++; i < s.Length && s[i] != c; i++)
                    if (s[i] == '\\') i++;
                continue;
            }
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i;
        }
        throw new InvalidOperationException("unbalanced braces at " + open);
    }

    // The body with every `try { ... } catch (...) { ... } ...` chain removed.
    private static string WithoutTryBlocks(string body)
    {
        var sb = new StringBuilder();
        int pos = 0;
        for (;;)
        {
            var m = Regex.Match(body.Substring(pos), @"\btry\s*\{");
            if (!m.Success) break;
            int start = pos + m.Index;
            sb.Append(body, pos, start - pos);
            int end = MatchBrace(body, start + m.Length - 1) + 1;
            for (;;)
            {
                var c = Regex.Match(body.Substring(end), @"^\s*catch\s*\([^)]*\)\s*\{");
                if (!c.Success) break;
                end = MatchBrace(body, end + c.Length - 1) + 1;
            }
            pos = end;
        }
        sb.Append(body, pos, body.Length - pos);
        return sb.ToString();
    }
}
