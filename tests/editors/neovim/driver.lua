-- Headless end-to-end tests of editors/neovim against the real jumpcoder-lsp server (scripted model).
--
--   JC_PY=python JC_PLUGIN=editors/neovim JC_SCENARIO=ghost JC_TMP=/tmp/x \
--     nvim --headless --clean -u NONE \
--       -c 'lua local ok,e=pcall(dofile,"tests/editors/neovim/driver.lua") if not ok then io.stderr:write("FAIL: "..tostring(e).."\n") os.exit(1) end'
--
-- Scenarios (JC_SCENARIO): ghost, func, native (0.12), isolated, languages, restricted, insertonly,
-- native_insertonly (0.12). Exit 0 and a final "PASS" line on
-- success, 1 on a failed check, 2 from the watchdog. Not `nvim -l`: insert mode needs the main loop.
--
-- The scenario runs in a coroutine resumed every 10 ms from a timer, so that the editor's main
-- loop runs in between: keys go in with nvim_input() exactly as typed keys do, and insert-mode
-- autocmds, LSP responses and timers all fire as they do for a user.
--
-- JC_HOLD=1: set up the "ghost" scenario's count_primes suggestion, then stay (screenshots).

local uv = vim.uv or vim.loop
local api = vim.api
local T0 = uv.hrtime()
local HOLD = os.getenv('JC_HOLD') == '1'
local SCENARIO = os.getenv('JC_SCENARIO') or 'ghost'
local TMP = os.getenv('JC_TMP') or vim.fn.tempname()
local MODEL = 'scripted:jumpcoder_lsp.server.scripted:demo'

local function log(...)
  if not HOLD then
    io.stdout:write(('[%5d ms] '):format((uv.hrtime() - T0) / 1e6), table.concat({ ... }, ' '), '\n')
  end
end
local function fail(msg)
  io.stderr:write(('FAIL (nvim %s, %s): %s\n'):format(tostring(vim.version()), SCENARIO, msg))
  os.exit(1)
end
local function eq(want, got, what)
  if not vim.deep_equal(want, got) then
    fail(('%s:\n  want %s\n  got  %s'):format(what, vim.inspect(want), vim.inspect(got)))
  end
end
local function check(cond, what)
  if not cond then
    fail(what)
  end
end

if not HOLD then
  local wd = uv.new_timer()
  wd:start(tonumber(os.getenv('JC_WATCHDOG_MS') or 40000), 0, function()
    io.stderr:write('FAIL: watchdog timeout\n')
    os.exit(2)
  end)
  wd:unref()
end

-- -------------------------------------------------------------------------------- stepping

--- Inside the scenario: wait (yielding to the main loop) until cond() returns a truthy value.
local function wait(what, timeout_ms, cond)
  local start = uv.now()
  while true do
    local ok, v = pcall(cond)
    if ok and v then
      return v
    end
    if uv.now() - start > timeout_ms then
      fail('timed out waiting for ' .. what .. (ok and '' or (' (last error: ' .. tostring(v) .. ')')))
    end
    coroutine.yield()
  end
end

local function run(scenario)
  local co = coroutine.create(scenario)
  local timer = uv.new_timer()
  timer:start(10, 10, vim.schedule_wrap(function()
    if coroutine.status(co) ~= 'suspended' then -- dead, or running a vim.wait() inside a step
      return
    end
    local ok, err = coroutine.resume(co)
    if not ok then
      fail(debug.traceback(co, tostring(err)))
    end
    if coroutine.status(co) == 'dead' then
      timer:stop()
    end
  end))
end

--- keys as the user types them (processed by the main loop after this step yields)
local function type_keys(keys)
  api.nvim_input(keys)
  coroutine.yield()
end

-- -------------------------------------------------------------------------------- fixtures

vim.opt.runtimepath:prepend(os.getenv('JC_PLUGIN') or 'editors/neovim')
vim.opt.swapfile = false
vim.o.showmode = false
vim.o.virtualedit = 'onemore'
local jc = require('jumpcoder')
local ghost = require('jumpcoder.ghost')
local NS = ghost.ns

local function setup(extra)
  jc.setup(vim.tbl_extend('force', {
    python = os.getenv('JC_PY') or 'python3',
    model = MODEL,
    debounce_ms = 30,
  }, extra or {}))
end

--- Open `name` in TMP with `lines` (filetype `ft`, default python); the content is not undoable.
local function open(name, lines, ft)
  vim.fn.mkdir(TMP, 'p')
  vim.cmd.edit(vim.fn.fnameescape(TMP .. '/' .. name))
  local buf = api.nvim_get_current_buf()
  local ul = vim.o.undolevels
  vim.o.undolevels = -1
  api.nvim_buf_set_lines(buf, 0, -1, true, lines)
  vim.o.undolevels = ul
  vim.bo[buf].filetype = ft or 'python' -- starts/attaches the server (vim.lsp.enable's FileType autocmd)
  return buf
end

local function buf_lines(buf)
  return api.nvim_buf_get_lines(buf or 0, 0, -1, true)
end

local function client_ready(buf)
  local client = wait('the server to attach', 15000, function()
    local c = vim.lsp.get_clients({ bufnr = buf, name = 'jumpcoder' })[1]
    return c and c.initialized and c
  end)
  wait('the model', 15000, function()
    local st = jc.server_status(2000, buf)
    return st and st.state == 'ready'
  end)
  return client
end

--- our extmarks, sorted, as {row, col, details}
local function marks(buf)
  local out = {}
  for _, m in ipairs(api.nvim_buf_get_extmarks(buf, NS, 0, -1, { details = true })) do
    out[#out + 1] = { m[2], m[3], m[4] }
  end
  table.sort(out, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
  return out
end

local function virt_lines_text(d)
  local out = {}
  for _, l in ipairs(d.virt_lines or {}) do
    local s = ''
    for _, chunk in ipairs(l) do
      s = s .. chunk[1]
      eq('JumpCoderJump', chunk[2], 'the jump lines highlight group')
    end
    out[#out + 1] = s
  end
  return out
end

local function mode()
  return api.nvim_get_mode().mode
end

local function undo()
  vim.cmd('silent undo')
end

-- -------------------------------------------------------------------------------- scenarios

local scenarios = {}

-- Typing -> ghost text with the jump shown -> <Tab> -> one undo step. Then a suggestion with two
-- jumps and a multi-line continuation: <C-]> dismisses, <M-\> asks again, <Tab> accepts.
function scenarios.ghost()
  -- a 0.12 user who turned Neovim's own inline completion on for every server: ours replaces it
  -- for the jumpcoder client (one ghost text, not two)
  if vim.lsp.inline_completion then
    vim.lsp.inline_completion.enable(true)
  end
  setup()
  local ORIG = { 'import os', '', '', 'def hyp(x):', '    ' }
  local buf = open('geometry.py', ORIG)
  client_ready(buf)
  wait('status() to say ready', 3000, function() return jc.status() == 'JumpCoder: ready' end)

  api.nvim_win_set_cursor(0, { 5, 0 })
  type_keys('A')
  type_keys('ret')
  local m = wait('ghost text after typing "ret"', 5000, function()
    local m = marks(buf)
    return #m == 2 and m[2][3].virt_text and m[2][3].virt_text[1][1] == 'urn math.sqrt(x)' and m
  end)
  eq('i', mode(), 'still in insert mode')
  eq({ 'import os', '', '', 'def hyp(x):', '    ret' }, buf_lines(buf), 'buffer untouched by the ghost text')
  -- the jump: "import math" shown where it lands, above line 2
  eq({ 1, 0 }, { m[1][1], m[1][2] }, 'jump mark position')
  eq(true, m[1][3].virt_lines_above, 'jump shown above its line')
  eq({ 'import math' }, virt_lines_text(m[1][3]), 'jump text')
  -- the continuation at the cursor
  eq({ 4, 7 }, { m[2][1], m[2][2] }, 'ghost text at the cursor')
  eq({ { 'urn math.sqrt(x)', 'JumpCoderGhost' } }, m[2][3].virt_text, 'ghost text')
  eq('inline', m[2][3].virt_text_pos, 'ghost text is inline')
  if vim.lsp.inline_completion then
    -- Neovim asks 200 ms after the last key: watch for 400 ms
    local t = uv.now()
    wait('400 ms without a native ghost text', 2000, function()
      local nns = api.nvim_get_namespaces()['nvim.lsp.inline_completion']
      eq(0, nns and #api.nvim_buf_get_extmarks(buf, nns, 0, -1, {}) or 0, "no native ghost text for jumpcoder's client")
      return uv.now() - t > 400
    end)
    eq(m, marks(buf), 'our ghost text stays')
    check(not vim.lsp.inline_completion.is_enabled({ client_id = vim.lsp.get_clients({ name = 'jumpcoder' })[1].id }),
      'native inline completion off for the jumpcoder client')
  end
  log('ghost text + jump shown:', vim.inspect({ m[1][3].virt_lines, m[2][3].virt_text }, { newline = '' }))

  type_keys('<Tab>')
  local WANT = { 'import os', 'import math', '', '', 'def hyp(x):', '    return math.sqrt(x)' }
  wait('the accepted edit', 3000, function() return vim.deep_equal(buf_lines(buf), WANT) end)
  eq({}, marks(buf), 'ghost cleared after accept')
  eq('i', mode(), 'still in insert mode after accept')
  eq({ 6, #WANT[6] }, api.nvim_win_get_cursor(0), 'cursor at the end of the continuation')
  type_keys('<Esc>')
  wait('normal mode', 2000, function() return mode() == 'n' end)
  undo()
  eq({ 'import os', '', '', 'def hyp(x):', '    ret' }, buf_lines(buf), 'ONE undo removes the whole accept')
  undo()
  eq(ORIG, buf_lines(buf), 'the next undo removes what was typed')
  log('accepted with <Tab> (2 locations); one undo removed it all')

  -- two jumps (an import and a helper) and a multi-line continuation
  local ORIG2 = { 'import os', '', '', 'def count_primes(n):', '    ' }
  local buf2 = open('primes.py', ORIG2)
  client_ready(buf2)
  api.nvim_win_set_cursor(0, { 5, 0 })
  type_keys('A')
  local function shown()
    local mk = marks(buf2)
    return #mk == 3 and mk
  end
  m = wait('count_primes ghost text', 5000, shown)
  eq({ 1, 0 }, { m[1][1], m[1][2] }, 'import mark')
  eq({ 'import math' }, virt_lines_text(m[1][3]), 'import text')
  eq({ 3, 0 }, { m[2][1], m[2][2] }, 'helper mark (above the def)')
  eq({ 'def is_prime(k):', '    return k > 1 and all(k % d for d in range(2, math.isqrt(k) + 1))', '', '' },
    virt_lines_text(m[2][3]), 'helper text')
  eq({ 4, 4 }, { m[3][1], m[3][2] }, 'continuation mark')
  eq('total = 0', m[3][3].virt_text[1][1], 'continuation first line')
  local below = vim.tbl_map(function(l) return l[1][1] end, m[3][3].virt_lines)
  eq({ '    for i in range(n):', '        if is_prime(i):', '            total += 1', '    return total' }, below,
    'continuation lines below the cursor')
  type_keys('<C-]>')
  wait('dismiss', 2000, function() return #marks(buf2) == 0 end)
  eq('i', mode(), 'dismiss keeps insert mode')
  eq(ORIG2, buf_lines(buf2), 'dismiss leaves the buffer')
  log('<C-]> dismissed it')
  type_keys('<M-\\>')
  wait('the suggestion again (<M-\\>)', 5000, shown)
  type_keys('<Tab>')
  local WANT2 = {
    'import os', 'import math', '', '',
    'def is_prime(k):', '    return k > 1 and all(k % d for d in range(2, math.isqrt(k) + 1))', '', '',
    'def count_primes(n):', '    total = 0', '    for i in range(n):', '        if is_prime(i):',
    '            total += 1', '    return total',
  }
  wait('the accepted edit (3 locations)', 3000, function() return vim.deep_equal(buf_lines(buf2), WANT2) end)
  eq({ 14, #'    return total' }, api.nvim_win_get_cursor(0), 'cursor after the accept')
  type_keys('<Esc>')
  wait('normal mode', 2000, function() return mode() == 'n' end)
  undo()
  eq(ORIG2, buf_lines(buf2), 'ONE undo removes all 3 locations')
  log('<M-\\> + <Tab>: 3 locations accepted; one undo removed them')
end

-- :JumpCoderCompleteFunction with progress, the statusline, :checkhealth jumpcoder
function scenarios.func()
  setup()
  local seen = {}
  api.nvim_create_autocmd('LspProgress', {
    callback = function() seen[#seen + 1] = jc.status() end, -- runs after the plugin's own LspProgress autocmd
  })
  local ORIG = { 'import os', '', '', 'def count_primes(n):', '    ' }
  local buf = open('primes.py', ORIG)
  client_ready(buf)
  api.nvim_win_set_cursor(0, { 5, 4 })
  vim.cmd('JumpCoderCompleteFunction')
  local during = jc.status()
  wait('completeFunction', 10000, function() return jc.last_function_result end)
  local r = jc.last_function_result
  check(not r.err, 'completeFunction error: ' .. vim.inspect(r.err))
  eq(true, r.result.applied, 'completeFunction applied')
  eq(2, r.result.jumps, 'completeFunction jumps')
  eq({
    'import os', 'import math', '', '',
    'def is_prime(k):', '    return k > 1 and all(k % d for d in range(2, math.isqrt(k) + 1))', '', '',
    'def count_primes(n):', '    total = 0', '    for i in range(n):', '        if is_prime(i):',
    '            total += 1', '    return total',
  }, buf_lines(buf), 'completeFunction result')
  check(during:match('completing the function'), 'status() while running: ' .. during)
  wait('progress seen in status()', 2000, function()
    return vim.iter(seen):any(function(s) return s:match('lines generated') end)
  end)
  log('status() during the run:', vim.inspect(vim.iter(seen):filter(function(s) return s:match('generated') end):totable()))
  wait('status() back to ready', 2000, function() return jc.status() == 'JumpCoder: ready' end)
  undo()
  eq(ORIG, buf_lines(buf), 'one undo removes the completed function')
  log('completeFunction: applied (2 jumps), one undo ok; status():', jc.status())

  vim.cmd('checkhealth jumpcoder')
  local report = table.concat(buf_lines(0), '\n')
  for _, want in ipairs({
    'Neovim ' .. tostring(vim.version()):match('^%d+%.%d+'),
    'python 3%.%d+',
    'jumpcoder%-lsp %d',
    'model: scripted demo',
    'device: auto',
    'languages: ' .. vim.pesc(os.getenv('JC_LANGUAGES') or 'cpp, csharp, java, python'),
  }) do
    check(report:match(want), ('checkhealth report lacks %q:\n%s'):format(want, report))
  end
  check(not report:match('ERROR'), 'checkhealth reports an error:\n' .. report)
  log('checkhealth:', (report:gsub('\n+', ' | ')))
end

-- The user opens a project holding a folder named like a module the server imports (pygls/): the
-- server starts in the plugin's own directory, not in the project, so the folder is never imported.
function scenarios.isolated()
  local project = TMP .. '/project'
  local marker = TMP .. '/imported-from-the-project'
  vim.fn.mkdir(project .. '/pygls', 'p')
  vim.fn.writefile({ ('open(%s, "w").write("pwned")'):format(vim.json.encode(marker)),
    'raise ImportError("the project folder pygls/ was imported")' }, project .. '/pygls/__init__.py')
  vim.cmd.cd(vim.fn.fnameescape(project))
  setup()
  local buf = open('project/iso.py', { 'def hyp(x):', '    ' })
  local client = client_ready(buf)
  check(vim.fn.filereadable(marker) == 0, 'the server imported the project folder pygls/')
  eq(jc.server_cwd(), client.config.cmd_cwd, "the server's working directory")
  check(vim.fn.isdirectory(client.config.cmd_cwd .. '/../jumpcoder') == 1, 'cmd_cwd is the plugin directory')
  log('server started in', client.config.cmd_cwd, 'with the project', project, 'as cwd; pygls/ not imported')
end

--- A buffer of another language: ghost text at the cursor, the back-inserted import shown above its
--- line, <Tab> applies both, one undo removes both.
local function language_flow(L)
  local buf = open(L.file, L.lines, L.ft)
  client_ready(buf)
  api.nvim_win_set_cursor(0, { L.row + 1, 0 })
  type_keys('A')
  type_keys('ret')
  local m = wait(L.ft .. ' ghost text after typing "ret"', 5000, function()
    local m = marks(buf)
    return #m == 2 and m[2][3].virt_text and m[2][3].virt_text[1][1] == L.ghost and m
  end)
  local typed = vim.deepcopy(L.lines)
  typed[L.row + 1] = typed[L.row + 1] .. 'ret'
  eq(typed, buf_lines(buf), L.ft .. ': buffer untouched by the ghost text')
  eq({ L.import_row, 0 }, { m[1][1], m[1][2] }, L.ft .. ': import mark position')
  eq(true, m[1][3].virt_lines_above, L.ft .. ': import shown above its line')
  eq({ L.import }, virt_lines_text(m[1][3]), L.ft .. ': import text')
  eq({ L.row, #typed[L.row + 1] }, { m[2][1], m[2][2] }, L.ft .. ': ghost text at the cursor')
  eq({ { L.ghost, 'JumpCoderGhost' } }, m[2][3].virt_text, L.ft .. ': ghost text')
  log(L.ft .. ': ghost text + import shown:', vim.inspect({ m[1][3].virt_lines, m[2][3].virt_text }, { newline = '' }))
  type_keys('<Tab>')
  local want = vim.deepcopy(typed)
  want[L.row + 1] = typed[L.row + 1] .. L.ghost
  table.insert(want, L.import_row + 1, L.import)
  wait(L.ft .. ': the accepted edit', 3000, function() return vim.deep_equal(buf_lines(buf), want) end)
  eq({}, marks(buf), L.ft .. ': ghost cleared after accept')
  type_keys('<Esc>')
  wait('normal mode', 2000, function() return mode() == 'n' end)
  undo()
  eq(typed, buf_lines(buf), L.ft .. ': ONE undo removes the continuation and the import')
  log(L.ft .. ': accepted with <Tab> (2 locations); one undo removed both')
  return buf
end

local JAVA = {
  ft = 'java', file = 'Words.java', row = 4, import_row = 1,
  lines = { 'import java.util.List;', '', 'class Words {', '    static List<String> words(String s) {', '        ', '    }', '}' },
  ghost = 'urn Arrays.asList(s.split(" "));', import = 'import java.util.Arrays;',
}
local CPP = {
  ft = 'cpp', file = 'hyp.cpp', row = 3, import_row = 1,
  lines = { '#include <vector>', '', 'double hyp(double x, double y) {', '    ', '}' },
  ghost = 'urn std::sqrt(x * x + y * y);', import = '#include <cmath>',
}

local function attached(buf)
  return #vim.lsp.get_clients({ bufnr = buf, name = 'jumpcoder', _uninitialized = true }) > 0
end

--- `ms` of the main loop running, with `buf` never attached
local function never_attached(buf, ms, what)
  local t = uv.now()
  wait(what, ms + 2000, function()
    check(not attached(buf), what .. ': attached')
    return uv.now() - t > ms
  end)
end

-- Java and C++ buffers with the default filetypes (the server's list): ghost text, the import
-- previewed, one undo step; a filetype the server does not report is not attached.
function scenarios.languages()
  setup()
  local b = language_flow(JAVA)
  local client = vim.lsp.get_clients({ bufnr = b, name = 'jumpcoder' })[1]
  local langs = client.server_capabilities.experimental.jumpcoder.languages
  eq({ 'java' }, langs.java, "the server's initialize result names java")
  check(vim.tbl_contains(jc.server_filetypes, 'java') and vim.tbl_contains(jc.server_filetypes, 'cs'),
    'server_filetypes from the initialize result: ' .. vim.inspect(jc.server_filetypes))
  eq(langs, jc.server_status(2000, b).languages, 'jumpcoder.status reports the same languages')
  language_flow(CPP)
  local txt = open('notes.txt', { 'def hyp(x):', '    ' }, 'text')
  never_attached(txt, 800, 'a text buffer (not a language the server reports)')
  log('java + cpp attached from the server\'s list', vim.inspect(jc.server_filetypes, { newline = '' }), '; text not attached')
end

-- filetypes = { "python" }: a Java buffer is not attached, before and after the server has started
function scenarios.restricted()
  setup({ filetypes = { 'python' } })
  local j1 = open('Words.java', JAVA.lines, 'java')
  never_attached(j1, 800, 'a Java buffer with filetypes = { "python" }')
  eq(0, #vim.lsp.get_clients({ name = 'jumpcoder' }), 'no server started for the Java buffer')
  local py = open('geometry.py', { 'def hyp(x):', '    ' })
  client_ready(py)
  local j2 = open('Other.java', JAVA.lines, 'java')
  never_attached(j2, 800, 'a second Java buffer once the server runs')
  check(not attached(j1), 'the first Java buffer stays unattached')
  log('filetypes = { "python" }: Java buffers not attached; Python attached')
end

-- ui = "native" (0.12): Neovim's vim.lsp.inline_completion shows the continuation, we show the
-- jump; its accept inserts the continuation and runs jumpcoder.applyEdit; one undo step.
function scenarios.native()
  check(vim.lsp.inline_completion, 'no vim.lsp.inline_completion in this Neovim')
  setup({ ui = 'native' })
  local ORIG = { 'import os', '', '', 'def hyp(x):', '    ' }
  local buf = open('geometry.py', ORIG)
  client_ready(buf)
  local nns = api.nvim_get_namespaces()['nvim.lsp.inline_completion']
  api.nvim_win_set_cursor(0, { 5, 0 })
  type_keys('A')
  type_keys('ret')
  local nm = wait('native ghost text + our jump', 5000, function()
    local n = api.nvim_buf_get_extmarks(buf, nns or -1, 0, -1, { details = true })
    return #n == 1 and n[1][4].virt_text[1][1] == 'urn math.sqrt(x)' and #marks(buf) == 1 and n
  end)
  local m = marks(buf)
  eq({ 1, 0 }, { m[1][1], m[1][2] }, 'jump mark position')
  eq({ 'import math' }, virt_lines_text(m[1][3]), 'jump text')
  log('native ghost', vim.inspect(nm[1][4].virt_text), '+ our jump', vim.inspect(m[1][3].virt_lines))
  type_keys('<Tab>')
  local WANT = { 'import os', 'import math', '', '', 'def hyp(x):', '    return math.sqrt(x)' }
  wait('the accepted edit (continuation + jumpcoder.applyEdit)', 5000, function()
    return vim.deep_equal(buf_lines(buf), WANT)
  end)
  wait('our jump preview cleared', 2000, function() return #marks(buf) == 0 end)
  type_keys('<Esc>')
  wait('normal mode', 2000, function() return mode() == 'n' end)
  undo()
  local after = buf_lines(buf)
  check(vim.deep_equal(after, ORIG) or vim.deep_equal(after, { 'import os', '', '', 'def hyp(x):', '    ret' }),
    'one undo removes the whole accept, got ' .. vim.inspect(after))
  log('native accept applied both locations; one undo ->', vim.inspect(after[#after]))
end

-- An insert-only suggestion: the user completes the line `return math.sqrt(x)`; nothing is left
-- to add at the cursor, but `import math` goes above. Shown: the import as virtual lines where it
-- lands and, at the end of the cursor line, what <Tab> does. Typing clears it, <BS> brings it back,
-- <Tab> inserts the import as ONE undo step of its own (the user's typing is not part of it).
local INSERT_ONLY = { 'import os', '', '', 'def hyp(x):', '    return math.sqrt(x' }
local INSERT_ONLY_DONE = { 'import os', '', '', 'def hyp(x):', '    return math.sqrt(x)' }
local INSERT_ONLY_WANT = { 'import os', 'import math', '', '', 'def hyp(x):', '    return math.sqrt(x)' }
local INSERT_ONLY_HINT = '  Tab: insert `import math` at line 2'

--- our two marks of the insert-only suggestion: the import above line 2, the hint on the cursor line
local function insert_only_marks(buf)
  local m = marks(buf)
  return #m == 2 and m[1][3].virt_lines and m[2][3].virt_text and m
end

local function check_insert_only_marks(buf, m)
  eq({ 1, 0 }, { m[1][1], m[1][2] }, 'import mark position')
  eq(true, m[1][3].virt_lines_above, 'import shown above its line')
  eq({ 'import math' }, virt_lines_text(m[1][3]), 'import text')
  eq(4, m[2][1], 'the hint is on the cursor line')
  eq('eol', m[2][3].virt_text_pos, 'the hint is at the end of the line')
  eq({ { INSERT_ONLY_HINT, 'JumpCoderHint' } }, m[2][3].virt_text, 'the hint says what Tab does')
  eq(INSERT_ONLY_DONE, buf_lines(buf), 'buffer untouched by the preview')
end

--- after <Tab>: the import is in, the cursor stays after the line; <Esc>, one u removes only the
--- import, the next u what the user typed
local function accept_insert_only(buf)
  type_keys('<Tab>')
  wait('the inserted import', 5000, function() return vim.deep_equal(buf_lines(buf), INSERT_ONLY_WANT) end)
  wait('the preview cleared', 2000, function() return #marks(buf) == 0 end)
  eq('i', mode(), 'still in insert mode after accept')
  eq({ 6, #INSERT_ONLY_WANT[6] }, api.nvim_win_get_cursor(0), 'cursor where it was, one line down')
  type_keys('<Esc>')
  wait('normal mode', 2000, function() return mode() == 'n' end)
  undo()
  eq(INSERT_ONLY_DONE, buf_lines(buf), 'ONE undo removes the inserted import and nothing the user typed')
  undo()
  eq(INSERT_ONLY, buf_lines(buf), 'the next undo removes what was typed')
end

function scenarios.insertonly()
  setup()
  local buf = open('insert_only.py', INSERT_ONLY)
  client_ready(buf)
  api.nvim_win_set_cursor(0, { 5, 0 })
  type_keys('A')
  type_keys(')')
  local m = wait('the insert-only preview', 5000, function() return insert_only_marks(buf) end)
  check_insert_only_marks(buf, m)
  eq('i', mode(), 'still in insert mode')
  check(ghost.visible(buf), 'an insert-only suggestion counts as shown (Tab accepts it)')
  log('insert-only shown:', vim.inspect({ m[1][3].virt_lines, m[2][3].virt_text }, { newline = '' }))
  type_keys(' ')
  wait('typing clears it', 2000, function() return #marks(buf) == 0 end)
  type_keys('<BS>')
  m = wait('the insert-only preview again', 5000, function() return insert_only_marks(buf) end)
  check_insert_only_marks(buf, m)
  accept_insert_only(buf)
  log('insert-only: <Tab> inserted the import; one undo removed only it')
end

-- The same with ui = "native" (0.12): Neovim's inline completion holds the empty item (nothing to
-- show at the cursor), we show the import and the hint; its accept runs jumpcoder.applyEdit, whose
-- edit the plugin makes an undo step of its own.
function scenarios.native_insertonly()
  check(vim.lsp.inline_completion, 'no vim.lsp.inline_completion in this Neovim')
  setup({ ui = 'native' })
  local buf = open('insert_only.py', INSERT_ONLY)
  client_ready(buf)
  api.nvim_win_set_cursor(0, { 5, 0 })
  type_keys('A')
  type_keys(')')
  local m = wait('the insert-only preview (native)', 5000, function() return insert_only_marks(buf) end)
  check_insert_only_marks(buf, m)
  log('native insert-only shown:', vim.inspect({ m[1][3].virt_lines, m[2][3].virt_text }, { newline = '' }))
  accept_insert_only(buf)
  log('native insert-only: <Tab> inserted the import; one undo removed only it')
end

-- -------------------------------------------------------------------------------- main

if HOLD then -- the screenshot: count_primes with both jumps shown, then stay
  run(function()
    setup()
    vim.cmd('syntax enable')
    vim.o.number = true
    vim.o.showmode = true
    vim.o.laststatus = 2
    vim.o.statusline = " %t %= %{v:lua.require'jumpcoder'.status()} "
    api.nvim_set_hl(0, 'StatusLine', { ctermfg = 252, ctermbg = 238, fg = '#d0d0d0', bg = '#444444' })
    local buf = open('primes.py', { 'import os', '', '', 'def count_primes(n):', '    ' })
    client_ready(buf)
    api.nvim_win_set_cursor(0, { 5, 0 })
    type_keys('A')
    wait('ghost', 5000, function() return #marks(buf) == 3 end)
    vim.cmd('redraw')
  end)
  return
end

local scenario = scenarios[SCENARIO]
check(scenario, 'unknown scenario ' .. SCENARIO)
log('nvim', tostring(vim.version()), 'scenario', SCENARIO)
run(function()
  scenario()
  for _, c in ipairs(vim.lsp.get_clients({ name = 'jumpcoder' })) do
    c:stop()
  end
  wait('the server to stop', 3000, function() return #vim.lsp.get_clients({ name = 'jumpcoder' }) == 0 end)
  log('PASS nvim ' .. tostring(vim.version()) .. ' ' .. SCENARIO)
  os.exit(0)
end)
