#!/usr/bin/env bash
# Regenerates every example in this folder from real tools: each one writes a small broken project into a
# temporary directory, runs the real command there (stdout and stderr together, as a verifier stage or an agent
# captures them) and stores what it printed as <key>.txt. The only change made to a capture: the temporary
# directory's absolute path is replaced by /tmp/example (so a re-recording differs only where the tool's output does).
#
# Usage: tests/DevServer.Failures.Tests/Examples/record.sh [KEY...]   (no keys: every example)
# Needs: python3 (+ pytest: Debian's python3-pytest), node/npm (installs typescript, jest, vitest, eslint into the temp
# directory from the npm registry), dotnet, javac, mvn (+ Debian's packaged plugins, see README.md), gradle (Debian's
# 4.4.1), gcc, make, cmake/ctest, cargo/clippy, go (Debian's golang-go), git, curl. The vendor examples are copied
# from shared/fixtures/agent-cli (override its location with FIXTURES=...).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FIXTURES="${FIXTURES:-$(cd "$HERE/../../../.." && pwd)/shared/fixtures/agent-cli}"
T="$(mktemp -d /tmp/failure-examples.XXXXXX)"
trap 'rm -rf "$T"' EXIT
PYTHON="${PYTHON:-python3}"
# Debian's pytest is installed for Debian's python3, which may not be the first python3 on PATH.
PYTEST_PYTHON="${PYTEST_PYTHON:-/usr/bin/python3}"
export GOCACHE="$T/.gocache" GOPATH="$T/.gopath" GOFLAGS=-mod=mod GOTOOLCHAIN=local
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 NO_COLOR=1 FORCE_COLOR=0 CARGO_TERM_COLOR=never
WANTED=("$@")
VERSIONS="$T/versions.tsv"
: > "$VERSIONS"

want() {
  [[ ${#WANTED[@]} -eq 0 ]] && return 0
  local k
  for k in "${WANTED[@]}"; do [[ "$k" == "$1" ]] && return 0; done
  return 1
}

# record KEY DIR VERSION COMMAND: runs COMMAND (a bash string) in DIR and stores its combined output as KEY.txt.
record() {
  local key="$1" dir="$2" version="$3" command="$4"
  (cd "$dir" && bash -c "$command" > "$T/out.txt" 2>&1)
  sed "s#$T#/tmp/example#g" "$T/out.txt" > "$HERE/$key.txt"
  printf '%s\t%s\t%s\n' "$key" "${command//$T//tmp/example}" "$version" >> "$VERSIONS"
  echo "recorded $key ($(wc -l < "$HERE/$key.txt") lines)"
}

# copy KEY FIXTURE LABEL: a vendor CLI sample from shared/fixtures/agent-cli (see its SOURCES.md for provenance).
copy() {
  local key="$1" fixture="$2" label="$3"
  cp "$FIXTURES/$fixture" "$HERE/$key.txt"
  printf '%s\t%s\t%s\n' "$key" "copied from shared/fixtures/agent-cli/$fixture" "$label (see SOURCES.md there)" >> "$VERSIONS"
  echo "copied $key"
}

v() { "$@" 2>&1 | head -n 1 | tr -d '\r'; }

new() { mkdir -p "$T/$1" && echo "$T/$1"; }

# ---------------------------------------------------------------- Python
PY="$(v "$PYTHON" --version)"
if want python.syntax; then d=$(new py-syntax); mkdir -p "$d/app"
  printf 'def total(items):\n    return sum(item.price for item in items\n\nprint(total([]))\n' > "$d/app/cart.py"
  record python.syntax "$d" "$PY" "$PYTHON app/cart.py"; fi
if want python.import; then d=$(new py-import); mkdir -p "$d/app"
  printf 'import sys\n\nfrom billing.invoices import total\n\nprint(total(sys.argv[1:]))\n' > "$d/app/main.py"
  record python.import "$d" "$PY" "$PYTHON app/main.py"; fi
if want python.name; then d=$(new py-name)
  printf 'def area(radius):\n    return pi * radius ** 2\n\n\nprint(area(2))\n' > "$d/geometry.py"
  record python.name "$d" "$PY" "$PYTHON geometry.py"; fi
if want python.attribute; then d=$(new py-attribute)
  printf 'import json\n\n\ndef load(text):\n    return json.parse(text)\n\n\nprint(load("{}"))\n' > "$d/config.py"
  record python.attribute "$d" "$PY" "$PYTHON config.py"; fi
if want python.type; then d=$(new py-type)
  printf 'def label(count):\n    return "items: " + count\n\n\nprint(label(3))\n' > "$d/report.py"
  record python.type "$d" "$PY" "$PYTHON report.py"; fi
if want python.traceback; then d=$(new py-traceback)
  printf 'import os\n\n\ndef port():\n    return int(os.environ.get("PORT", "eighty"))\n\n\nprint(port())\n' > "$d/server.py"
  record python.traceback "$d" "$PY" "$PYTHON server.py"; fi
if want system.timeout; then d=$(new py-timeout)
  printf 'import subprocess\n\nsubprocess.run(["sleep", "5"], timeout=1, check=True)\n' > "$d/wait.py"
  record system.timeout "$d" "$PY" "$PYTHON wait.py"; fi
if want python.pytest; then d=$(new py-pytest); mkdir -p "$d/tests"
  printf 'def multiply(a, b):\n    return a + b\n' > "$d/calc.py"
  printf 'from calc import multiply\n\n\ndef test_multiply():\n    assert multiply(2, 3) == 6\n\n\ndef test_multiply_by_zero():\n    assert multiply(5, 0) == 0\n' > "$d/tests/test_calc.py"
  : > "$d/conftest.py"
  record python.pytest "$d" "$(v "$PYTEST_PYTHON" -m pytest --version)" "$PYTEST_PYTHON -m pytest -p no:cacheprovider"; fi
if want python.unittest; then d=$(new py-unittest)
  printf 'def multiply(a, b):\n    return a + b\n' > "$d/calc.py"
  printf 'import unittest\n\nfrom calc import multiply\n\n\nclass CalcTests(unittest.TestCase):\n    def test_multiply(self):\n        self.assertEqual(multiply(2, 3), 6)\n\n    def test_multiply_by_one(self):\n        self.assertEqual(multiply(1, 1), 1)\n\n\nif __name__ == "__main__":\n    unittest.main()\n' > "$d/test_calc.py"
  record python.unittest "$d" "$PY" "$PYTHON -B -m unittest -v"; fi

# ---------------------------------------------------------------- Node, TypeScript, JavaScript
NODE="node $(v node --version), npm $(v npm --version)"
TOOLS="${FAILURES_NODE_TOOLS:-}"
if [[ -z "$TOOLS" ]] && { want ts.compile || want ts.cannot_find_module || want js.jest || want js.vitest || want js.eslint; }; then
  TOOLS="$T/node-tools"; mkdir -p "$TOOLS"
  (cd "$TOOLS" && npm init -y > /dev/null && npm install --no-audit --no-fund typescript@5 jest@29 vitest@3 eslint@9 > /dev/null 2>&1)
fi
nv() { node -p "require('$TOOLS/node_modules/$1/package.json').version" 2>/dev/null; }
link_tools() { ln -s "$TOOLS/node_modules" "$1/node_modules"; }
if want ts.compile; then d=$(new ts-compile); mkdir -p "$d/src"; link_tools "$d"
  printf '{ "compilerOptions": { "strict": true, "noEmit": true, "target": "ES2022", "module": "NodeNext" }, "include": ["src"] }\n' > "$d/tsconfig.json"
  printf 'export interface Invoice {\n  id: number;\n  total: number;\n}\n\nexport function describe(invoice: Invoice): string {\n  const label: number = `#${invoice.id}`;\n  return label + invoice.totl;\n}\n' > "$d/src/invoice.ts"
  record ts.compile "$d" "typescript $(nv typescript)" "node_modules/.bin/tsc -p ."; fi
if want ts.cannot_find_module; then d=$(new ts-module); mkdir -p "$d/src"; link_tools "$d"
  printf '{ "compilerOptions": { "strict": true, "noEmit": true, "target": "ES2022", "module": "NodeNext" }, "include": ["src"] }\n' > "$d/tsconfig.json"
  printf 'import { formatMoney } from "./money.js";\n\nexport const price = formatMoney(12);\n' > "$d/src/cart.ts"
  record ts.cannot_find_module "$d" "typescript $(nv typescript)" "node_modules/.bin/tsc -p ."; fi
if want node.module_not_found; then d=$(new node-module); mkdir -p "$d/src"
  printf 'const { slugify } = require("./text/slugify");\n\nconsole.log(slugify("Hello World"));\n' > "$d/src/index.js"
  record node.module_not_found "$d" "$NODE" "node src/index.js"; fi
if want node.uncaught; then d=$(new node-uncaught); mkdir -p "$d/src"
  printf 'function total(order) {\n  return order.items.reduce((sum, item) => sum + item.price, 0);\n}\n\nconsole.log(total({}));\n' > "$d/src/order.js"
  record node.uncaught "$d" "$NODE" "node src/order.js"; fi
if want js.jest; then d=$(new js-jest); link_tools "$d"
  printf '{ "name": "calc", "version": "1.0.0", "private": true }\n' > "$d/package.json"
  printf 'function multiply(a, b) {\n  return a + b;\n}\n\nmodule.exports = { multiply };\n' > "$d/calc.js"
  printf 'const { multiply } = require("./calc");\n\ndescribe("multiply", () => {\n  test("multiplies two numbers", () => {\n    expect(multiply(2, 3)).toBe(6);\n  });\n\n  test("keeps one as identity", () => {\n    expect(multiply(1, 1)).toBe(1);\n  });\n});\n' > "$d/calc.test.js"
  record js.jest "$d" "jest $(nv jest)" "node_modules/.bin/jest --ci"; fi
if want js.vitest; then d=$(new js-vitest); link_tools "$d"
  printf '{ "name": "calc", "version": "1.0.0", "private": true, "type": "module" }\n' > "$d/package.json"
  printf 'export function multiply(a, b) {\n  return a + b;\n}\n' > "$d/calc.js"
  printf 'import { describe, expect, test } from "vitest";\nimport { multiply } from "./calc.js";\n\ndescribe("multiply", () => {\n  test("multiplies two numbers", () => {\n    expect(multiply(2, 3)).toBe(6);\n  });\n});\n' > "$d/calc.test.js"
  record js.vitest "$d" "vitest $(nv vitest)" "node_modules/.bin/vitest run"; fi
if want js.node_test; then d=$(new js-node-test)
  printf 'export function multiply(a, b) {\n  return a + b;\n}\n' > "$d/calc.mjs"
  printf 'import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { multiply } from "./calc.mjs";\n\ntest("multiplies two numbers", () => {\n  assert.equal(multiply(2, 3), 6);\n});\n' > "$d/calc.test.mjs"
  record js.node_test "$d" "$NODE" "node --test --test-reporter=spec"
  record js.node_test--tap "$d" "$NODE" "node --test --test-reporter=tap"; fi
if want js.eslint; then d=$(new js-eslint); mkdir -p "$d/src"; link_tools "$d"
  printf 'export default [\n  {\n    files: ["**/*.js"],\n    languageOptions: { sourceType: "module" },\n    rules: { "no-unused-vars": "error", eqeqeq: "error" },\n  },\n];\n' > "$d/eslint.config.js"
  printf '{ "name": "calc", "version": "1.0.0", "private": true, "type": "module" }\n' > "$d/package.json"
  printf 'export function isZero(value) {\n  const unused = 1;\n  return value == 0;\n}\n' > "$d/src/zero.js"
  record js.eslint "$d" "eslint $(nv eslint)" "node_modules/.bin/eslint src"; fi
if want npm.install; then d=$(new npm-install)
  printf '{ "name": "calc", "version": "1.0.0", "private": true }\n' > "$d/package.json"
  record npm.install "$d" "$NODE" "npm install --no-audit --no-fund left-pad@99.0.0"; fi
# No npm.script class: npm 9, 10 and 11 print nothing of their own when `npm run X` fails (only the script's
# output, which the tool's own class matches, and the exit code), so there is no npm line to classify.

# ---------------------------------------------------------------- .NET
DOTNET="dotnet SDK $(v dotnet --version)"
csproj() { printf '<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n    <Nullable>enable</Nullable>\n    <ImplicitUsings>enable</ImplicitUsings>\n%s  </PropertyGroup>\n%s</Project>\n' "${2:-}" "${3:-}" > "$1"; }
if want dotnet.restore; then d=$(new dotnet-restore)
  csproj "$d/Billing.csproj" "" $'  <ItemGroup>\n    <PackageReference Include="Newtonsoft.Json" Version="99.0.0" />\n  </ItemGroup>\n'
  printf 'namespace Billing;\n\npublic static class Invoice\n{\n    public static int Total => 0;\n}\n' > "$d/Invoice.cs"
  record dotnet.restore "$d" "$DOTNET" "dotnet build"; fi
if want dotnet.missing_symbol; then d=$(new dotnet-missing); csproj "$d/Billing.csproj"
  printf 'namespace Billing;\n\npublic static class Invoice\n{\n    public static decimal Total(decimal net)\n    {\n        return net * (1 + taxRate);\n    }\n}\n' > "$d/Invoice.cs"
  record dotnet.missing_symbol "$d" "$DOTNET" "dotnet build"; fi
if want dotnet.compile; then d=$(new dotnet-compile); csproj "$d/Billing.csproj"
  printf 'namespace Billing;\n\npublic static class Invoice\n{\n    public static int Total(decimal net)\n    {\n        int rounded = decimal.Round(net, 2);\n        return rounded;\n    }\n}\n' > "$d/Invoice.cs"
  record dotnet.compile "$d" "$DOTNET" "dotnet build"; fi
if want dotnet.test; then d=$(new dotnet-test)
  csproj "$d/Calc.Tests.csproj" $'    <OutputType>Exe</OutputType>\n    <IsTestProject>true</IsTestProject>\n' \
    $'  <ItemGroup>\n    <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.11.0" />\n    <PackageReference Include="xunit.v3" Version="3.2.1" />\n    <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />\n  </ItemGroup>\n'
  printf 'using Xunit;\n\nnamespace Calc.Tests;\n\npublic sealed class MultiplyTests\n{\n    private static int Multiply(int a, int b) => a + b;\n\n    [Fact]\n    public void Multiply_TwoNumbers_ReturnsProduct() => Assert.Equal(6, Multiply(2, 3));\n\n    [Fact]\n    public void Multiply_ByZero_ReturnsZero() => Assert.Equal(0, Multiply(0, 0));\n}\n' > "$d/MultiplyTests.cs"
  record dotnet.test "$d" "$DOTNET, xunit.v3 3.2.1" "dotnet test"; fi

# ---------------------------------------------------------------- Java
JAVAC="$(v javac -version)"
if want java.compile; then d=$(new java-compile); mkdir -p "$d/src/billing"
  printf 'package billing;\n\npublic class Invoice {\n    public static int total(int net) {\n        return net + taxes;\n    }\n}\n' > "$d/src/billing/Invoice.java"
  record java.compile "$d" "$JAVAC" "javac -d out src/billing/Invoice.java"; fi
pom() { printf '<project xmlns="http://maven.apache.org/POM/4.0.0">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>example</groupId>\n  <artifactId>billing</artifactId>\n  <version>1.0</version>\n  <properties>\n    <maven.compiler.release>17</maven.compiler.release>\n    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>\n  </properties>\n%s</project>\n' "${2:-}" > "$1"; }
if want java.maven; then d=$(new java-maven); mkdir -p "$d/src/main/java/billing"; pom "$d/pom.xml"
  printf 'package billing;\n\npublic class Invoice {\n}\n' > "$d/src/main/java/billing/Invoice.java"
  # This machine has no Maven Central: the build fails resolving its first plugin, which is what is recorded.
  record java.maven "$d" "$(v mvn -v | sed 's/\x1b\[[0-9;]*m//g')" "mvn -B -Dmaven.repo.local=$T/m2 package"; fi
# Maven Central is not reachable here; Debian's packaged plugins (libmaven-compiler-plugin-java, libsurefire-java,
# libmaven-resources-plugin-java, libmaven-jar-plugin-java, junit4) in /usr/share/maven-repo stand in for it, offline.
DEBIAN_REPO=/usr/share/maven-repo
debian_pom() { printf '<project xmlns="http://maven.apache.org/POM/4.0.0">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>example</groupId>\n  <artifactId>calc</artifactId>\n  <version>1.0</version>\n  <properties>\n    <maven.compiler.source>17</maven.compiler.source>\n    <maven.compiler.target>17</maven.compiler.target>\n    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>\n  </properties>\n  <dependencies>\n    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.x</version><scope>test</scope></dependency>\n  </dependencies>\n  <build>\n    <plugins>\n      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.0</version></plugin>\n      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.10.1</version></plugin>\n      <plugin><artifactId>maven-surefire-plugin</artifactId><version>2.22.3</version></plugin>\n      <plugin><artifactId>maven-jar-plugin</artifactId><version>3.3.0</version></plugin>\n    </plugins>\n  </build>\n</project>\n' > "$1/pom.xml"; }
if want java.surefire; then d=$(new java-surefire); mkdir -p "$d/src/main/java/calc" "$d/src/test/java/calc"; debian_pom "$d"
  printf 'package calc;\n\npublic class Calc {\n    public static int multiply(int a, int b) {\n        return a + b;\n    }\n}\n' > "$d/src/main/java/calc/Calc.java"
  printf 'package calc;\n\nimport static org.junit.Assert.assertEquals;\n\nimport org.junit.Test;\n\npublic class CalcTest {\n    @Test\n    public void multipliesTwoNumbers() {\n        assertEquals(6, Calc.multiply(2, 3));\n    }\n}\n' > "$d/src/test/java/calc/CalcTest.java"
  record java.surefire "$d" "$(v mvn -v | sed 's/\x1b\[[0-9;]*m//g'), surefire 2.22.3, junit 4 (Debian packages)" "mvn -B -o -Dmaven.repo.local=$DEBIAN_REPO test"; fi
if want java.compile; then d=$(new java-compile-maven); mkdir -p "$d/src/main/java/calc"; debian_pom "$d"
  printf 'package calc;\n\npublic class Calc {\n    public static int multiply(int a, int b) {\n        return a * factor;\n    }\n}\n' > "$d/src/main/java/calc/Calc.java"
  record java.compile--maven "$d" "$(v mvn -v | sed 's/\x1b\[[0-9;]*m//g'), maven-compiler-plugin 3.10.1 (Debian package)" "mvn -B -o -Dmaven.repo.local=$DEBIAN_REPO compile"; fi
if want java.gradle; then d=$(new java-gradle); mkdir -p "$d/src/main/java/billing"
  printf "apply plugin: 'java'\n\ndependencies {\n    compile 'com.google.guava:guava:33.0.0-jre'\n}\n" > "$d/build.gradle"
  printf 'package billing;\n\npublic class Invoice {\n}\n' > "$d/src/main/java/billing/Invoice.java"
  record java.gradle "$d" "$(gradle --version 2>/dev/null | grep '^Gradle')" "gradle --offline --no-daemon -q -g $T/gradle-home build"; fi

if want java.gradle_test; then d=$(new java-gradle-test); mkdir -p "$d/src/main/java/calc" "$d/src/test/java/calc"
  printf "apply plugin: 'java'\n\ndependencies {\n    testCompile files('/usr/share/java/junit4.jar', '/usr/share/java/hamcrest-core.jar')\n}\n" > "$d/build.gradle"
  printf 'package calc;\n\npublic class Calc {\n    public static int multiply(int a, int b) {\n        return a + b;\n    }\n}\n' > "$d/src/main/java/calc/Calc.java"
  printf 'package calc;\n\nimport static org.junit.Assert.assertEquals;\n\nimport org.junit.Test;\n\npublic class CalcTest {\n    @Test\n    public void multipliesTwoNumbers() {\n        assertEquals(6, Calc.multiply(2, 3));\n    }\n}\n' > "$d/src/test/java/calc/CalcTest.java"
  record java.gradle_test "$d" "$(gradle --version 2>/dev/null | grep '^Gradle'), junit 4 (Debian package)" "gradle --offline --no-daemon -g $T/gradle-home test"; fi

if want java.compile; then d=$(new java-compile-gradle); mkdir -p "$d/src/main/java/billing"
  printf "apply plugin: 'java'\n" > "$d/build.gradle"
  printf 'package billing;\n\npublic class Invoice {\n    int total() { return taxes; }\n}\n' > "$d/src/main/java/billing/Invoice.java"
  record java.compile--gradle "$d" "$(gradle --version 2>/dev/null | grep '^Gradle')" "gradle --offline --no-daemon -q -g $T/gradle-home build"; fi

# ---------------------------------------------------------------- C and C++
GCC="$(v gcc --version)"
if want c.compile; then d=$(new c-compile)
  printf '#include <stdio.h>\n\nint main(void)\n{\n    int total = count * 2;\n    printf("%%d\\n", total);\n    return 0;\n}\n' > "$d/main.c"
  record c.compile "$d" "$GCC" "gcc -Wall -c main.c -o main.o"; fi
if want c.link; then d=$(new c-link)
  printf 'int checksum(const char *text);\n\nint main(void)\n{\n    return checksum("abc");\n}\n' > "$d/main.c"
  record c.link "$d" "$GCC" "gcc main.c -o main"; fi
if want c.asan; then d=$(new c-asan)
  printf '#include <stdlib.h>\n\nint main(void)\n{\n    int *values = malloc(4 * sizeof(int));\n    values[4] = 1;\n    free(values);\n    return 0;\n}\n' > "$d/overflow.c"
  (cd "$d" && gcc -g -fsanitize=address overflow.c -o overflow)
  record c.asan "$d" "$GCC, AddressSanitizer" "./overflow"; fi
if want c.ubsan; then d=$(new c-ubsan)
  printf '#include <limits.h>\n#include <stdio.h>\n\nint main(int argc, char **argv)\n{\n    int big = INT_MAX - 1 + argc;\n    int next = big + 1;\n    printf("%%d %%s\\n", next, argv[0]);\n    return 0;\n}\n' > "$d/overflow.c"
  (cd "$d" && gcc -g -fsanitize=undefined -fno-sanitize-recover=undefined overflow.c -o overflow)
  record c.ubsan "$d" "$GCC, UndefinedBehaviorSanitizer" "./overflow"; fi
if want make.failed; then d=$(new make-failed)
  printf 'check:\n\t@echo "checking for leftover TODO markers"\n\t@! grep -n TODO notes.txt\n' > "$d/Makefile"
  printf 'first line\nTODO: remove the debug flag\n' > "$d/notes.txt"
  record make.failed "$d" "$(v make --version)" "make check"; fi
if want cmake.configure; then d=$(new cmake-configure)
  printf 'cmake_minimum_required(VERSION 3.20)\nproject(billing C)\nfind_package(ZeroMQ REQUIRED)\nadd_executable(billing main.c)\n' > "$d/CMakeLists.txt"
  printf 'int main(void) { return 0; }\n' > "$d/main.c"
  record cmake.configure "$d" "$(v cmake --version)" "cmake -S . -B build"; fi
if want ctest.failure; then d=$(new ctest-failure)
  printf 'cmake_minimum_required(VERSION 3.20)\nproject(calc C)\nenable_testing()\nadd_executable(test_multiply test_multiply.c)\nadd_test(NAME multiply COMMAND test_multiply)\n' > "$d/CMakeLists.txt"
  printf '#include <stdio.h>\n\nstatic int multiply(int a, int b) { return a + b; }\n\nint main(void)\n{\n    if (multiply(2, 3) != 6) {\n        fprintf(stderr, "multiply(2, 3) = %%d, expected 6\\n", multiply(2, 3));\n        return 1;\n    }\n    return 0;\n}\n' > "$d/test_multiply.c"
  (cd "$d" && cmake -S . -B build > /dev/null && cmake --build build > /dev/null)
  record ctest.failure "$d" "$(v ctest --version)" "ctest --test-dir build --output-on-failure"; fi
if want system.segfault; then d=$(new segfault)
  printf '#include <stddef.h>\n\nint main(void)\n{\n    int *value = NULL;\n    return *value;\n}\n' > "$d/crash.c"
  (cd "$d" && gcc -O0 crash.c -o crash)
  record system.segfault "$d" "$(v bash --version)" './crash; echo "exit code $?"'; fi

# ---------------------------------------------------------------- Rust
CARGO="$(v cargo --version)"
crate() { mkdir -p "$1/src" && printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\n' "$2" > "$1/Cargo.toml"; }
if want rust.compile; then d=$(new rust-compile); crate "$d" billing
  printf 'fn main() {\n    let net = 100;\n    println!("{}", net + tax);\n}\n' > "$d/src/main.rs"
  record rust.compile "$d" "$CARGO" "cargo build --offline"; fi
if want rust.clippy; then d=$(new rust-clippy); crate "$d" billing
  printf 'pub fn total(net: u32) -> u32 {\n    return net + 1;\n}\n' > "$d/src/lib.rs"
  record rust.clippy "$d" "$(v cargo clippy --version)" "cargo clippy --offline -- -D warnings"; fi
if want rust.test; then d=$(new rust-test); crate "$d" calc
  printf 'pub fn multiply(a: i32, b: i32) -> i32 {\n    a + b\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn multiplies_two_numbers() {\n        assert_eq!(multiply(2, 3), 6);\n    }\n}\n' > "$d/src/lib.rs"
  record rust.test "$d" "$CARGO" "cargo test --offline"; fi
if want rust.panic; then d=$(new rust-panic); crate "$d" config
  printf 'fn main() {\n    let port: u16 = std::env::var("PORT").unwrap_or_default().parse().expect("PORT must be a number");\n    println!("{port}");\n}\n' > "$d/src/main.rs"
  record rust.panic "$d" "$CARGO" "cargo run --offline -q"; fi

# ---------------------------------------------------------------- Go
GO="$(v go version)"
if want go.compile; then d=$(new go-compile)
  printf 'module example.com/billing\n\ngo 1.19\n' > "$d/go.mod"
  printf 'package main\n\nimport "fmt"\n\nfunc main() {\n\tnet := 100\n\tfmt.Println(net + tax)\n}\n' > "$d/main.go"
  record go.compile "$d" "$GO" "go build ./..."; fi
if want go.test; then d=$(new go-test)
  printf 'module example.com/calc\n\ngo 1.19\n' > "$d/go.mod"
  printf 'package calc\n\nfunc Multiply(a, b int) int {\n\treturn a + b\n}\n' > "$d/calc.go"
  printf 'package calc\n\nimport "testing"\n\nfunc TestMultiply(t *testing.T) {\n\tif got := Multiply(2, 3); got != 6 {\n\t\tt.Errorf("Multiply(2, 3) = %%d, want 6", got)\n\t}\n}\n' > "$d/calc_test.go"
  record go.test "$d" "$GO" "go test ./..."; fi

# ---------------------------------------------------------------- git
GIT="$(v git --version)"
repo() { git init -q -b main "$1" && git -C "$1" config user.email dev@example.com && git -C "$1" config user.name Dev; }
if want git.merge_conflict; then d=$(new git-conflict); repo "$d"
  (cd "$d" && printf 'def multiply(a, b):\n    return a + b\n' > calc.py && git add . && git commit -qm base \
    && git checkout -qb task && printf 'def multiply(a, b):\n    return a * b\n' > calc.py && git commit -qam fix \
    && git checkout -q main && printf 'def multiply(a, b):\n    return b + a\n' > calc.py && git commit -qam other)
  record git.merge_conflict "$d" "$GIT" "git merge task"; fi
if want git.nothing_to_commit; then d=$(new git-clean); repo "$d"
  (cd "$d" && echo x > README.md && git add . && git commit -qm base)
  record git.nothing_to_commit "$d" "$GIT" "git commit -am 'Implement multiply'"; fi
if want git.push_rejected; then d=$(new git-push)
  git init -q --bare -b main "$d/remote.git"
  repo "$d/a"; (cd "$d/a" && echo a > a.txt && git add . && git commit -qm a && git remote add origin ../remote.git && git push -q origin main)
  git clone -q "$d/remote.git" "$d/b"; git -C "$d/b" config user.email dev@example.com; git -C "$d/b" config user.name Dev
  (cd "$d/a" && echo a2 >> a.txt && git commit -qam a2 && git push -q origin main)
  (cd "$d/b" && echo b > b.txt && git add . && git commit -qm b && git fetch -q)
  record git.push_rejected "$d/b" "$GIT" "git push origin main"; fi
if want git.auth; then d=$(new git-auth)
  # A loopback HTTP server that answers every request with 401, as a git host does for a wrong token.
  printf 'import http.server, sys\nclass H(http.server.BaseHTTPRequestHandler):\n    def do_GET(self):\n        self.send_response(401)\n        self.send_header("WWW-Authenticate", "Basic realm=git")\n        self.send_header("Content-Length", "0")\n        self.end_headers()\n    def log_message(self, *a):\n        pass\ns = http.server.HTTPServer(("127.0.0.1", 0), H)\nprint(s.server_port, flush=True)\ns.serve_forever()\n' > "$d/server.py"
  "$PYTHON" "$d/server.py" > "$d/port" & server=$!
  for _ in $(seq 50); do [[ -s "$d/port" ]] && break; sleep 0.1; done
  record git.auth "$d" "$GIT" "GIT_TERMINAL_PROMPT=0 git -c credential.helper= clone http://agent:wrong-token@127.0.0.1:$(cat "$d/port")/team/calc.git"
  kill "$server"; fi

# ---------------------------------------------------------------- shell, system, network
BASH_V="$(v bash --version)"
if want shell.command_not_found; then d=$(new cnf)
  record shell.command_not_found "$d" "$BASH_V" "pnpm install --frozen-lockfile"; fi
if want shell.permission_denied; then d=$(new perm)
  printf '#!/bin/sh\necho running tests\n' > "$d/run-tests.sh"; chmod 644 "$d/run-tests.sh"
  record shell.permission_denied "$d" "$BASH_V" "./run-tests.sh"; fi
if want system.no_space; then d=$(new nospace)
  head -c 65536 /dev/zero > "$d/build.log"
  record system.no_space "$d" "$(v cp --version)" "cp build.log /dev/full"; fi
if want system.killed; then d=$(new killed)
  record system.killed "$d" "$BASH_V" 'sh -c "kill -9 \$\$"; echo "exit code $?"'; fi
if want network.dns; then d=$(new dns)
  record network.dns "$d" "$(v curl --version | cut -d ' ' -f 1-2)" "curl -sS https://registry.devserver.invalid/packages"; fi
if want network.connection; then d=$(new refused)
  record network.connection "$d" "$PY" "$PYTHON -c 'import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:9/health\")'"
  # ECONNRESET: a loopback server that resets every connection it accepts.
  printf 'const net = require("node:net");\nconst server = net.createServer((socket) => socket.resetAndDestroy());\nserver.listen(0, "127.0.0.1", () => {\n  const { port } = server.address();\n  fetch(`http://127.0.0.1:${port}/health`).catch((error) => {\n    console.error(error);\n    server.close();\n    process.exitCode = 1;\n  });\n});\n' > "$d/reset.js"
  record network.connection--reset "$d" "$NODE" "node reset.js"; fi

# ---------------------------------------------------------------- vendor CLIs (recorded samples, see SOURCES.md)
if want vendor.rate_limit; then
  copy vendor.rate_limit claude-stream-rate-limit-rejected.jsonl "SYNTHETIC (Claude Code stream-json shape, wording from public reports)"
  copy vendor.rate_limit--codex codex-error-usage-limit.jsonl "SYNTHETIC (Codex exec --json, message text from codex-rs)"
  copy vendor.rate_limit--gemini gemini-stream-api-error.jsonl "SYNTHETIC (Gemini stream-json, message text from gemini-cli)"
  copy vendor.rate_limit--glm glm-stream-usage-limit-1308.jsonl "SYNTHETIC (GLM through Claude Code, Zhipu error body from a public issue)"; fi
if want vendor.auth; then
  copy vendor.auth gemini-json-auth-error.json "REAL (gemini 0.24.0, trimmed by its author)"
  copy vendor.auth--claude claude-stream-auth-error.jsonl "SYNTHETIC (Claude Code stream-json, SDK test literal)"
  copy vendor.auth--codex codex-error-unauthorized.jsonl "SYNTHETIC (Codex exec --json, OpenAI error body shape)"; fi
if want vendor.overloaded; then
  copy vendor.overloaded claude-stream-api-overloaded.jsonl "SYNTHETIC (Claude Code stream-json, 529 after retries)"; fi

# ---------------------------------------------------------------- a clean run (no failure)
if want none; then d=$(new clean)
  printf 'def multiply(a, b):\n    return a * b\n' > "$d/calc.py"
  printf 'import unittest\n\nfrom calc import multiply\n\n\nclass CalcTests(unittest.TestCase):\n    def test_multiply(self):\n        self.assertEqual(multiply(2, 3), 6)\n' > "$d/test_calc.py"
  record none "$d" "$PY" "$PYTHON -B -m unittest -v"
  d=$(new clean-cargo); crate "$d" calc
  printf 'pub fn multiply(a: i32, b: i32) -> i32 {\n    a * b\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn multiplies() {\n        assert_eq!(super::multiply(2, 3), 6);\n    }\n}\n' > "$d/src/lib.rs"
  record none--cargo "$d" "$CARGO" "cargo test --offline"
  d=$(new clean-dotnet); csproj "$d/Billing.csproj"
  printf 'namespace Billing;\n\npublic static class Invoice\n{\n    public static decimal Total(decimal net) => net * 1.2m;\n}\n' > "$d/Invoice.cs"
  record none--dotnet "$d" "$DOTNET" "dotnet build"; fi

# The table in README.md is regenerated from what was recorded in this run (rows for keys not re-recorded are kept).
"$PYTHON" - "$HERE/README.md" "$VERSIONS" <<'EOF'
import sys
readme, versions = sys.argv[1], sys.argv[2]
head, rows = [], {}
try:
    text = open(readme, encoding="utf-8").read().split("\n")
except FileNotFoundError:
    text = []
marker = "| file | command | tool |"
if marker in text:
    i = text.index(marker)
    head = text[:i]
    for line in text[i + 2:]:
        if line.startswith("| `"):
            rows[line.split("`")[1]] = line
for line in open(versions, encoding="utf-8"):
    key, command, version = line.rstrip("\n").split("\t")
    rows[key + ".txt"] = "| `%s.txt` | `%s` | %s |" % (key, command.replace("|", "\\|"), version)
out = head + [marker, "|---|---|---|"] + [rows[k] for k in sorted(rows)]
open(readme, "w", encoding="utf-8").write("\n".join(out) + "\n")
EOF
echo "examples in $HERE"
