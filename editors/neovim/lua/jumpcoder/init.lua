-- jumpcoder: Neovim client for jumpcoder-lsp.
--
-- JumpCoder completes code at the cursor and, when the code it writes needs an import, a variable
-- or a helper, jumps back and inserts those lines above. This plugin starts the language server,
-- shows a suggestion as ghost text (the continuation at the cursor and the lines it inserts above,
-- where they will land), and accepts all of it as one undo step.
--
--   require("jumpcoder").setup({ model = "qwen2.5-coder-0.5b", device = "auto" })
--
-- It attaches to every filetype the server supports: the server reports its languages, with the
-- filetypes (LSP languageIds) of each, in its initialize result, so a language added to the server
-- needs no new plugin. `filetypes = { "python", "java" }` restricts it to those.
--
-- Modules: jumpcoder (this file: options, the server, commands, status),
-- jumpcoder.ghost (the suggestion on screen), jumpcoder.health (:checkhealth jumpcoder).

local api, lsp = vim.api, vim.lsp
local ghost = require('jumpcoder.ghost')

local M = {}

-- ------------------------------------------------------------------------------------------
-- options

M.defaults = {
  -- nil: every filetype the server reports (capabilities.experimental.jumpcoder.languages); a list
  -- restricts the plugin to those of them, e.g. { 'python', 'java' }
  filetypes = nil, ---@type string[]?
  -- the server: `jumpcoder-lsp serve` when on $PATH, else `<python> -m jumpcoder_lsp.cli serve`
  cmd = nil, ---@type string[]?
  python = nil, ---@type string?  (default: python3)
  root_markers = { 'pyproject.toml', 'setup.py', 'setup.cfg', '.git' },

  -- server settings (nil: the server's default). Any other server setting goes in `settings`,
  -- spelled as the server spells it (camelCase), e.g. { method = "autoregressive", inlineMaxLines = 4 }
  model = nil, ---@type string?  preset name, absolute path (/models/dir, ~/m.gguf), or scripted:... (tests)
  infill_model = nil, ---@type string?
  device = nil, ---@type string?  auto | cpu | cuda | cuda:N | mps
  dtype = nil, ---@type string?
  k = nil, ---@type integer?  infill attempts per step
  tau = nil, ---@type number?  improvement threshold of the judges
  max_lines = nil, ---@type integer?
  settings = {},

  -- "jumpcoder": our ghost text (continuation + the lines above), any Neovim >= 0.10.
  -- "native": Neovim 0.12's vim.lsp.inline_completion shows the continuation; we add the lines
  --           above and make its accept one undo step (see README).
  ui = 'jumpcoder',
  auto_trigger = true, -- ask while typing in insert mode
  debounce_ms = 150, -- after the last keystroke (the plugin debounces; the server is told not to)

  -- insert-mode keys; false turns one off. accept/dismiss fall through to the key's usual
  -- meaning when no suggestion is shown.
  keymaps = {
    accept = '<Tab>',
    dismiss = '<C-]>',
    suggest = '<M-\\>', -- ask now (no debounce)
  },
}

M.config = vim.deepcopy(M.defaults)

local NAME = 'jumpcoder'
--- The filetypes to start the server on before any server has said which it supports: the
--- languageIds of the languages it had when this plugin was written. The server's own list
--- (M.server_filetypes) replaces them as soon as a server has initialized.
M.FALLBACK_FILETYPES = {
  'python', 'java', 'cpp', 'cs', 'csharp', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'go', 'rust',
}
---@type string[]? the filetypes the running server reported (nil until one has initialized)
M.server_filetypes = nil
local CMD_COMPLETE_FUNCTION = 'jumpcoder.completeFunction'
local CMD_STATUS = 'jumpcoder.status'
local LABEL_INSERTED_LINES = 'JumpCoder: inserted lines' -- the server's jumpcoder.applyEdit edits
-- jumpcoder.applyEdit of an insert-only suggestion: nothing went in at the cursor before it
local LABEL_INSERT_ONLY = 'JumpCoder: inserted lines (insert-only suggestion)'

--- :h undo-break (also in insert mode)
local function break_undo()
  vim.cmd('let &g:undolevels = &g:undolevels')
end

--- The settings object the server reads (initializationOptions / didChangeConfiguration).
function M.server_settings(cfg)
  cfg = cfg or M.config
  local s = { debounceMs = 0 }
  for key, name in pairs({
    model = 'model', infill_model = 'infillModel', device = 'device', dtype = 'dtype',
    k = 'k', tau = 'tau', max_lines = 'maxLines',
  }) do
    if cfg[key] ~= nil then
      s[name] = cfg[key]
    end
  end
  return vim.tbl_extend('force', s, cfg.settings or {})
end

--- The server's working directory: this plugin's own directory, never the project, so a `pygls/`,
--- `torch/` or `jumpcoder_lsp/` folder in an opened project is not imported by `python -m`. (Not
--- `python -I`: it would drop a $PYTHONPATH the user relies on; `-P` needs Python 3.11.)
function M.server_cwd()
  return vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
end

function M.server_cmd(cfg)
  cfg = cfg or M.config
  if cfg.cmd then
    return cfg.cmd
  end
  if not cfg.python and vim.fn.executable('jumpcoder-lsp') == 1 then
    return { 'jumpcoder-lsp', 'serve' }
  end
  return { cfg.python or 'python3', '-m', 'jumpcoder_lsp.cli', 'serve' }
end

-- ------------------------------------------------------------------------------------------
-- status (for the statusline): model state, progress

local status = { state = 'off', model = nil, error = nil, progress = nil, last = nil }

--- A short string for the statusline, e.g. "JumpCoder: ready", "JumpCoder: loading model 40%".
function M.status()
  if status.progress then
    return 'JumpCoder: ' .. status.progress
  end
  if status.state == 'failed' then
    return 'JumpCoder: model failed'
  end
  return 'JumpCoder: ' .. status.state
end

--- The server's own status (jumpcoder.status) for the clients of `buf`, synchronously.
---@return table? result, string? error
function M.server_status(timeout_ms, buf)
  local client = lsp.get_clients({ name = NAME, bufnr = buf })[1]
  if not client then
    return nil, 'no jumpcoder-lsp client is running'
  end
  local res, err = ghost.call(client, 'request_sync', 'workspace/executeCommand',
    { command = CMD_STATUS, arguments = { {} } }, timeout_ms or 3000, buf)
  if not res then
    return nil, err or 'no answer'
  end
  if res.err then
    return nil, res.err.message
  end
  M._update_status(res.result)
  return res.result
end

function M._update_status(result)
  if type(result) == 'table' then
    status.state = result.state or status.state
    status.model = result.model ~= vim.NIL and result.model or nil
    status.error = result.error ~= vim.NIL and result.error or nil
    vim.cmd('redrawstatus')
  end
end

local function refresh_status(client)
  ghost.call(client, 'request', 'workspace/executeCommand', { command = CMD_STATUS, arguments = { {} } },
    function(err, result)
      if not err then
        M._update_status(result)
      end
    end)
end

local function on_progress(ev)
  local client = lsp.get_client_by_id(ev.data.client_id)
  if not client or client.name ~= NAME then
    return
  end
  local params = ev.data.params or {}
  local value = params.value or {}
  status.titles = status.titles or {}
  if value.kind == 'begin' then
    status.titles[params.token] = value.title
  end
  local title = (status.titles[params.token] or ''):gsub('^JumpCoder:?%s*', '')
  if value.kind == 'end' then
    status.titles[params.token] = nil
  end
  local msg = table.concat(vim.tbl_filter(function(x) return x ~= '' end, { title, value.message or '' }), ': ')
  if value.kind == 'end' then
    status.progress, status.last = nil, msg
    refresh_status(client)
  else
    status.progress = msg .. (value.percentage and (' %d%%'):format(value.percentage) or '')
  end
  vim.cmd('redrawstatus')
  if status.function_running and value.kind ~= 'end' then -- the end is complete_function's message
    api.nvim_echo({ { 'JumpCoder: ' .. status.progress } }, false, {})
  end
end

-- ------------------------------------------------------------------------------------------
-- commands

--- Complete the function at the cursor (jumpcoder.completeFunction): the server generates to the
--- end of the function, with its jumps, and applies it as one edit. Progress in status().
function M.complete_function(buf)
  buf = (buf == nil or buf == 0) and api.nvim_get_current_buf() or buf
  local client = lsp.get_clients({ name = NAME, bufnr = buf })[1]
  if not client then
    vim.notify('JumpCoder: no server attached to this buffer', vim.log.levels.WARN)
    return
  end
  ghost.dismiss(buf)
  local params = lsp.util.make_position_params(0, client.offset_encoding)
  status.function_running = true
  status.progress = 'completing the function'
  vim.cmd('redrawstatus')
  ghost.call(client, 'request', 'workspace/executeCommand', {
    command = CMD_COMPLETE_FUNCTION,
    arguments = { { uri = params.textDocument.uri, position = params.position } },
  }, function(err, result)
    status.function_running = false
    status.progress = nil
    local msg
    if err then
      msg = 'JumpCoder: ' .. (err.message or vim.inspect(err))
      vim.notify(msg, vim.log.levels.ERROR)
    elseif type(result) == 'table' and result.applied then
      msg = ('JumpCoder: %d lines, %d jump%s'):format(result.lines or 0, result.jumps or 0, result.jumps == 1 and '' or 's')
      vim.notify(msg)
    else
      msg = 'JumpCoder: nothing applied (' .. tostring(type(result) == 'table' and result.reason or result) .. ')'
      vim.notify(msg, vim.log.levels.WARN)
    end
    status.last = msg
    M.last_function_result = { err = err, result = result }
    vim.cmd('redrawstatus')
  end, buf)
end

--- Change server settings at run time (sent as workspace/didChangeConfiguration).
function M.configure(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  local settings = M.server_settings()
  for _, client in ipairs(lsp.get_clients({ name = NAME })) do
    client.settings = { jumpcoder = settings }
    ghost.call(client, 'notify', 'workspace/didChangeConfiguration', { settings = { jumpcoder = settings } })
  end
end

M.accept = ghost.accept
M.dismiss = ghost.dismiss
M.visible = ghost.visible
function M.suggest()
  ghost.request(0)
end

-- ------------------------------------------------------------------------------------------
-- keymaps (insert mode, buffer-local)

local function map(buf, lhs, when, fn, desc)
  if not lhs then
    return
  end
  vim.keymap.set('i', lhs, function()
    if when(buf) then
      return '<Cmd>lua require("jumpcoder")._key("' .. fn .. '")<CR>'
    end
    return lhs
  end, { buffer = buf, expr = true, desc = desc })
end

function M._key(fn)
  if fn == 'accept' then
    ghost.accept(0)
  elseif fn == 'dismiss' then
    ghost.dismiss(0)
  elseif fn == 'suggest' then
    ghost.request(0)
  end
end

local function set_keymaps(buf, native)
  local keys = M.config.keymaps or {}
  local always = function() return true end
  if native then
    if not keys.accept then
      return
    end
    -- get() schedules the accept, so it is both the test and the action (:h vim.lsp.inline_completion.get())
    vim.keymap.set('i', keys.accept, function()
      if not vim.lsp.inline_completion.get() then
        return keys.accept
      end
      return ''
    end, { buffer = buf, expr = true, desc = 'JumpCoder: accept (native)' })
    return
  end
  map(buf, keys.accept, ghost.visible, 'accept', 'JumpCoder: accept the suggestion')
  map(buf, keys.dismiss, ghost.visible, 'dismiss', 'JumpCoder: dismiss the suggestion')
  map(buf, keys.suggest, always, 'suggest', 'JumpCoder: suggest now')
end

-- ------------------------------------------------------------------------------------------
-- the server

--- workspace/applyEdit: the lines jumpcoder.applyEdit inserts above (after an accepted
--- continuation, in a later tick) join the continuation's undo step; those of an insert-only
--- suggestion (nothing was inserted at the cursor) are an undo step of their own, never joined
--- to what the user typed before.
local function apply_edit(err, params, ctx, config)
  local own_step = false
  if params and params.label and params.label:match('^JumpCoder') then
    if params.label == LABEL_INSERTED_LINES then
      pcall(vim.cmd, 'undojoin') -- E790 right after an undo: then it stays a step of its own
    elseif params.label == LABEL_INSERT_ONLY then
      own_step = true
      break_undo()
    end
    -- the default handler would echo "Workspace edit <label>"; status()/messages say it already
    params = vim.deepcopy(params)
    params.label = nil
  end
  local result = lsp.handlers['workspace/applyEdit'](err, params, ctx, config)
  if own_step then
    break_undo() -- what is typed next is a step of its own
  end
  return result
end

--- The filetypes (LSP languageIds) a server's initialize result reports, or nil.
function M.reported_filetypes(init_result)
  local exp = type(init_result) == 'table' and type(init_result.capabilities) == 'table'
    and init_result.capabilities.experimental
  local langs = type(exp) == 'table' and type(exp.jumpcoder) == 'table' and exp.jumpcoder.languages
  if type(langs) ~= 'table' then
    return nil
  end
  local out = {}
  for _, ids in pairs(langs) do
    for _, id in ipairs(type(ids) == 'table' and ids or {}) do
      if type(id) == 'string' then
        out[#out + 1] = id
      end
    end
  end
  table.sort(out)
  return out
end

--- Whether the plugin attaches to a buffer of filetype `ft`: one the server supports (its
--- reported list; before it has reported, M.FALLBACK_FILETYPES) and, when the user set
--- `filetypes`, one of those.
function M.attaches(ft)
  if M.config.filetypes and not vim.tbl_contains(M.config.filetypes, ft) then
    return false
  end
  if M.server_filetypes then
    return vim.tbl_contains(M.server_filetypes, ft)
  end
  -- not known yet: the user's own list, else the filetypes the server is known to have
  return M.config.filetypes ~= nil or vim.tbl_contains(M.FALLBACK_FILETYPES, ft)
end

local function on_init(client, init_result)
  local fts = M.reported_filetypes(init_result)
  if not fts then
    return
  end
  M.server_filetypes = fts
  -- buffers already open in a filetype that only the server's list names: attach them now
  vim.schedule(function()
    if client:is_stopped() then
      return
    end
    for _, b in ipairs(api.nvim_list_bufs()) do
      if api.nvim_buf_is_loaded(b) and vim.bo[b].buftype == '' and M.attaches(vim.bo[b].filetype)
        and #lsp.get_clients({ bufnr = b, name = NAME, _uninitialized = true }) == 0
      then
        lsp.buf_attach_client(b, client.id)
      end
    end
  end)
end

--- vim.lsp's root_dir hook: start (or reuse) the server only for a buffer the plugin attaches to.
local function root_dir(bufnr, on_dir)
  if M.attaches(vim.bo[bufnr].filetype) then
    on_dir(vim.fs.root(bufnr, M.config.root_markers))
  end
end

local function client_config()
  local settings = M.server_settings()
  return {
    name = NAME,
    cmd = M.server_cmd(),
    cmd_cwd = M.server_cwd(),
    -- no `filetypes`: which buffers is decided in root_dir (M.attaches), from the server's own list
    root_dir = root_dir,
    root_markers = M.config.root_markers,
    init_options = settings,
    settings = { jumpcoder = settings },
    handlers = { ['workspace/applyEdit'] = apply_edit },
    on_init = on_init,
  }
end

local function on_attach(buf, client)
  if not M.attaches(vim.bo[buf].filetype) then
    -- started on the fallback list for a filetype this server turned out not to support
    vim.schedule(function() pcall(lsp.buf_detach_client, buf, client.id) end)
    return
  end
  local native = M.config.ui == 'native' and vim.lsp.inline_completion ~= nil
  if vim.lsp.inline_completion then
    if native then
      ghost.observe_native(client)
      vim.lsp.inline_completion.enable(true, { bufnr = buf })
    elseif vim.lsp.inline_completion.is_enabled({ client_id = client.id }) then
      -- ours shows the same continuation; two ghosts would overlap
      pcall(vim.lsp.inline_completion.enable, false, { client_id = client.id })
    end
  end
  ghost.attach(buf, native)
  set_keymaps(buf, native)
  refresh_status(client)
end

local started = false

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  if M.config.ui == 'native' and not vim.lsp.inline_completion then
    vim.notify('JumpCoder: ui = "native" needs Neovim 0.12 (vim.lsp.inline_completion); using "jumpcoder"',
      vim.log.levels.WARN)
  end
  ghost.opts.debounce_ms = M.config.debounce_ms
  ghost.opts.auto_trigger = M.config.auto_trigger
  ghost.opts.accept_key = (M.config.keymaps or {}).accept or nil

  local function hl()
    api.nvim_set_hl(0, 'JumpCoderGhost', { default = true, fg = '#808080', ctermfg = 244, italic = true })
    api.nvim_set_hl(0, 'JumpCoderJump', { default = true, fg = '#5faf5f', ctermfg = 71, italic = true })
    api.nvim_set_hl(0, 'JumpCoderHint', { default = true, link = 'JumpCoderGhost' })
  end
  hl()

  local group = api.nvim_create_augroup('jumpcoder', { clear = true })
  api.nvim_create_autocmd('ColorScheme', { group = group, callback = hl })
  api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(ev)
      local client = lsp.get_client_by_id(ev.data.client_id)
      if client and client.name == NAME then
        on_attach(ev.buf, client)
      end
    end,
  })
  api.nvim_create_autocmd('LspDetach', {
    group = group,
    callback = function(ev)
      local client = lsp.get_client_by_id(ev.data.client_id)
      if client and client.name == NAME then
        ghost.detach(ev.buf)
      end
    end,
  })
  api.nvim_create_autocmd('LspProgress', { group = group, callback = on_progress })

  if vim.lsp.config and vim.lsp.enable then -- 0.11+
    vim.lsp.config(NAME, client_config())
    vim.lsp.enable(NAME)
  else -- 0.10
    api.nvim_create_autocmd('FileType', {
      group = group,
      callback = function(ev)
        if vim.bo[ev.buf].buftype ~= '' or not M.attaches(vim.bo[ev.buf].filetype) then
          return
        end
        local cfg = client_config()
        cfg.root_dir = vim.fs.root(ev.buf, cfg.root_markers)
        lsp.start(cfg, { bufnr = ev.buf })
      end,
    })
  end
  status.state = 'starting'

  if not started then
    started = true
    api.nvim_create_user_command('JumpCoderCompleteFunction', function() M.complete_function() end,
      { desc = 'JumpCoder: complete the function at the cursor' })
    api.nvim_create_user_command('JumpCoderSuggest', function() M.suggest() end,
      { desc = 'JumpCoder: suggest at the cursor' })
    api.nvim_create_user_command('JumpCoderDismiss', function() M.dismiss() end,
      { desc = 'JumpCoder: dismiss the suggestion' })
    api.nvim_create_user_command('JumpCoderStatus', function()
      local res, err = M.server_status(5000)
      print(res and vim.inspect(res) or ('JumpCoder: ' .. tostring(err)))
    end, { desc = "JumpCoder: the server's status" })
  end
end

return M
