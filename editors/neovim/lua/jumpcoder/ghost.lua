-- jumpcoder/ghost.lua: the suggestion on screen.
--
-- One suggestion per buffer at most. It comes from textDocument/inlineCompletion: the item's
-- insertText is the continuation at the cursor, item.data.insertions are the lines JumpCoder
-- inserts above the cursor ({line, text}: insert `text` before `line`). We draw
--
--   * the first line of the continuation as inline virtual text at the cursor   (JumpCoderGhost)
--   * the rest of the continuation as virtual lines below the cursor line       (JumpCoderGhost)
--   * each insertion as virtual lines above the line it goes before             (JumpCoderJump)
--
-- and accept all of it with ONE vim.lsp.util.apply_text_edits call: one undo step.
--
-- Insert-only suggestions (insertText "" and data.insertOnly: the cursor line is complete, but
-- lines go above it): no ghost text at the cursor; the insertions are drawn as above, and the end
-- of the cursor line says what the accept key does ("Tab: insert `import math` at line 1",
-- data.summary, JumpCoderHint). Accepting applies the lines as one undo step of their own.
--
-- Life cycle:  TextChangedI/CursorMovedI -> typed along the ghost? trim it : clear + debounce
--              -> request -> (buffer unchanged?) show -> accept | dismiss | InsertLeave

local api, lsp = vim.api, vim.lsp
local uv = vim.uv or vim.loop

local M = {}

--- Client methods take self from 0.11 on (client:request); 0.10's are plain closures.
local NVIM_011 = vim.fn.has('nvim-0.11') == 1
function M.call(client, method, ...)
  if NVIM_011 then
    return client[method](client, ...)
  end
  return client[method](...)
end

M.ns = api.nvim_create_namespace('jumpcoder')

local METHOD = 'textDocument/inlineCompletion'
local TRIGGER_INVOKED, TRIGGER_AUTOMATIC = 1, 2

---@class jumpcoder.Suggestion
---@field client_id integer
---@field row integer        0-based row of the cursor line
---@field col integer        byte column where the continuation starts (= the cursor after typing along)
---@field replace_end integer byte column the continuation replaces up to (the cursor at request time)
---@field text string        the continuation, still to be inserted
---@field prefix string      cursor line up to `col`, as it must stay for the suggestion to hold
---@field suffix string      cursor line after the replaced range
---@field line_count integer
---@field insertions {line: integer, text: string}[]
---@field id string?
---@field summary string?   what accepting inserts, in words (the server's data.summary)

---@type table<integer, {suggestion: jumpcoder.Suggestion?, timer: uv.uv_timer_t?, request: {client_id: integer, id: integer}?, tick: integer?}>
local buffers = {}

M.opts = { debounce_ms = 150, auto_trigger = true, accept_key = '<Tab>' }

-- ------------------------------------------------------------------------------------------
-- helpers

local function byte_col(line, enc, character)
  if NVIM_011 then
    return vim.str_byteindex(line, enc, character, false)
  end
  return lsp.util._str_byteindex_enc(line, character, enc) -- 0.10
end

local function get_line(buf, row)
  return api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or ''
end

local function split(text)
  return vim.split((text:gsub('\r\n', '\n')), '\n', { plain = true })
end

--- :h undo-break. Works in insert mode too (unlike i_CTRL-G_u, which needs a key).
local function break_undo()
  vim.cmd('let &g:undolevels = &g:undolevels')
end

local function client_for(buf)
  return lsp.get_clients({ bufnr = buf, name = 'jumpcoder' })[1]
end

local function state(buf)
  buffers[buf] = buffers[buf] or {}
  return buffers[buf]
end

-- ------------------------------------------------------------------------------------------
-- drawing

local function clear_marks(buf)
  if api.nvim_buf_is_valid(buf) then
    api.nvim_buf_clear_namespace(buf, M.ns, 0, -1)
  end
end

--- The insertions as virtual lines above the line each goes before.
local function draw_insertions(buf, insertions)
  local n = api.nvim_buf_line_count(buf)
  local top_fill = 0
  for _, ins in ipairs(insertions or {}) do
    local vl = {}
    local lines = split(ins.text)
    if lines[#lines] == '' then
      table.remove(lines) -- the text ends with its line break
    end
    for _, l in ipairs(lines) do
      vl[#vl + 1] = { { l, 'JumpCoderJump' } }
    end
    if #vl > 0 then
      local above = ins.line < n
      local row = above and ins.line or n - 1
      api.nvim_buf_set_extmark(buf, M.ns, row, 0, { virt_lines = vl, virt_lines_above = above })
      if above and row == 0 then
        top_fill = top_fill + #vl
      end
    end
  end
  -- virt_lines above line 1 stay hidden until the window scrolls into its filler area
  if top_fill > 0 then
    for _, win in ipairs(vim.fn.win_findbuf(buf)) do
      api.nvim_win_call(win, function()
        if vim.fn.line('w0') == 1 then
          vim.fn.winrestview({ topline = 1, topfill = top_fill })
        end
      end)
    end
  end
end

--- "Tab: insert `import math` at line 1": what the accept key does for an insert-only suggestion.
function M.hint(summary)
  local key = type(M.opts.accept_key) == 'string' and M.opts.accept_key:gsub('^<(.*)>$', '%1') or nil
  local what = (summary and summary ~= '') and summary or 'insert the lines above'
  return key and (key .. ': ' .. what) or what
end

--- An insert-only suggestion's hint at the end of the cursor line.
local function draw_hint(buf, row, summary)
  api.nvim_buf_set_extmark(buf, M.ns, row, 0, {
    virt_text = { { '  ' .. M.hint(summary), 'JumpCoderHint' } },
    virt_text_pos = 'eol',
    hl_mode = 'combine',
  })
end

local function draw(buf, s)
  clear_marks(buf)
  if s.text == '' then -- insert-only
    draw_hint(buf, s.row, s.summary)
    draw_insertions(buf, s.insertions)
    return
  end
  local lines = split(s.text)
  local below = {}
  for i = 2, #lines do
    below[#below + 1] = { { lines[i], 'JumpCoderGhost' } }
  end
  api.nvim_buf_set_extmark(buf, M.ns, s.row, s.col, {
    virt_text = { { lines[1], 'JumpCoderGhost' } },
    virt_text_pos = 'inline',
    hl_mode = 'combine',
    virt_lines = #below > 0 and below or nil,
  })
  draw_insertions(buf, s.insertions)
end

-- ------------------------------------------------------------------------------------------
-- state changes

local function cancel_request(st)
  local r = st.request
  st.request = nil
  local client = r and lsp.get_client_by_id(r.client_id)
  if client then
    M.call(client, 'cancel_request', r.id)
  end
end

local function stop_timer(st)
  if st.timer then
    st.timer:stop()
    st.timer:close()
    st.timer = nil
  end
end

--- Clear the ghost text and forget the suggestion; true if one was shown.
function M.dismiss(buf)
  buf = (buf == nil or buf == 0) and api.nvim_get_current_buf() or buf
  local st = buffers[buf]
  if not st then
    return false
  end
  local had = st.suggestion ~= nil
  st.suggestion = nil
  stop_timer(st)
  cancel_request(st)
  clear_marks(buf)
  return had
end

function M.visible(buf)
  buf = (buf == nil or buf == 0) and api.nvim_get_current_buf() or buf
  local st = buffers[buf]
  return st ~= nil and st.suggestion ~= nil
end

function M.current(buf)
  local st = buffers[(buf == nil or buf == 0) and api.nvim_get_current_buf() or buf]
  return st and st.suggestion
end

--- The suggestion from an inline completion item, in buffer terms (nil when it is empty or
--- does not fit the buffer as it is now).
local function from_item(buf, client, item)
  local text = type(item.insertText) == 'table' and item.insertText.value or item.insertText
  if type(text) ~= 'string' then
    return nil
  end
  local enc = client.offset_encoding
  local cursor = api.nvim_win_get_cursor(0)
  local row = cursor[1] - 1
  local line = get_line(buf, row)
  local col, end_col = cursor[2], cursor[2]
  if item.range then
    if item.range.start.line ~= row or item.range['end'].line ~= row then
      return nil
    end
    col = byte_col(line, enc, item.range.start.character)
    end_col = byte_col(line, enc, item.range['end'].character)
  end
  -- The server may rewrite text before the cursor (e.g. the indentation). When the item only
  -- repeats what is there, show and insert the rest at the cursor, as ghost text must.
  local replaced = line:sub(col + 1, end_col)
  if col < end_col and text:sub(1, #replaced) == replaced then
    text, col = text:sub(#replaced + 1), end_col
  end
  local data = type(item.data) == 'table' and item.data or {}
  local insertions = {}
  for _, ins in ipairs(type(data.insertions) == 'table' and data.insertions or {}) do
    if type(ins.line) == 'number' and type(ins.text) == 'string' and ins.line <= row then
      insertions[#insertions + 1] = { line = ins.line, text = ins.text }
    end
  end
  if text == '' and (#insertions == 0 or col ~= end_col) then
    return nil -- nothing to show; an insert-only item never replaces text before the cursor
  end
  return {
    client_id = client.id,
    row = row,
    col = col,
    replace_end = end_col,
    text = text,
    prefix = line:sub(1, col),
    suffix = line:sub(end_col + 1),
    line_count = api.nvim_buf_line_count(buf),
    insertions = insertions,
    id = data.id,
    summary = type(data.summary) == 'string' and data.summary or nil,
  }
end

--- Ask the server for a suggestion at the cursor now.
---@param buf integer
---@param kind integer? InlineCompletionTriggerKind (default Invoked)
---@param on_done fun(shown: boolean)?
function M.request(buf, kind, on_done)
  buf = (buf == nil or buf == 0) and api.nvim_get_current_buf() or buf
  local client = client_for(buf)
  local st = state(buf)
  cancel_request(st)
  if not client or api.nvim_get_current_buf() ~= buf then
    return on_done and on_done(false)
  end
  local params = lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = kind or TRIGGER_INVOKED }
  local tick = api.nvim_buf_get_changedtick(buf)
  local cursor = api.nvim_win_get_cursor(0)
  local ok, id
  ok, id = M.call(client, 'request', METHOD, params, function(err, result)
    if st.request and st.request.id == id then
      st.request = nil
    end
    local shown = false
    -- only for the buffer and cursor it was asked for
    if not err and result and api.nvim_buf_is_valid(buf) and api.nvim_get_current_buf() == buf
      and api.nvim_buf_get_changedtick(buf) == tick and vim.deep_equal(api.nvim_win_get_cursor(0), cursor)
    then
      local items = result.items or result
      local s = items[1] and from_item(buf, client, items[1])
      if s then
        st.suggestion = s
        draw(buf, s)
        shown = true
      end
    end
    if on_done then
      on_done(shown)
    end
  end, buf)
  if ok then
    st.request = { client_id = client.id, id = id }
  elseif on_done then
    on_done(false)
  end
end

--- The suggestion still holds after the user typed along it: trim and redraw it; else nil.
local function along(buf, s)
  local cursor = api.nvim_win_get_cursor(0)
  if cursor[1] - 1 ~= s.row or api.nvim_buf_line_count(buf) ~= s.line_count then
    return nil
  end
  local line = get_line(buf, s.row)
  if s.text == '' then -- insert-only: holds while the cursor line and the cursor are as they were
    return (cursor[2] == s.col and line == s.prefix .. s.suffix) and s or nil
  end
  local first = split(s.text)[1]
  local typed = line:sub(#s.prefix + 1, cursor[2])
  if line:sub(1, #s.prefix) ~= s.prefix or line:sub(cursor[2] + 1) ~= s.suffix
    or #typed >= #first or first:sub(1, #typed) ~= typed
  then
    return nil
  end
  if typed == '' and cursor[2] == s.col then
    return s
  end
  return vim.tbl_extend('force', s, {
    col = cursor[2],
    replace_end = cursor[2],
    text = s.text:sub(#typed + 1),
    prefix = line:sub(1, cursor[2]),
  })
end

local function schedule(buf)
  local st = state(buf)
  stop_timer(st)
  cancel_request(st)
  if not M.opts.auto_trigger then
    return
  end
  st.timer = uv.new_timer()
  st.timer:start(M.opts.debounce_ms, 0, vim.schedule_wrap(function()
    stop_timer(st)
    if api.nvim_get_current_buf() == buf and api.nvim_get_mode().mode:sub(1, 1) == 'i' then
      M.request(buf, TRIGGER_AUTOMATIC)
    end
  end))
end

--- TextChangedI / CursorMovedI
local function on_change(buf)
  local st = state(buf)
  local s = st.suggestion and along(buf, st.suggestion)
  if s then
    if s ~= st.suggestion then
      st.suggestion = s
      draw(buf, s)
    end
    return
  end
  st.suggestion = nil
  clear_marks(buf)
  schedule(buf)
end

-- ------------------------------------------------------------------------------------------
-- accept

--- Apply the shown suggestion: the continuation and every insertion above it, in one undo step.
---@return boolean accepted
function M.accept(buf)
  buf = (buf == nil or buf == 0) and api.nvim_get_current_buf() or buf
  local st = buffers[buf]
  local s = st and st.suggestion and along(buf, st.suggestion)
  M.dismiss(buf)
  local client = s and lsp.get_client_by_id(s.client_id)
  if not client then
    return false
  end
  local enc = client.offset_encoding
  local function pos(col)
    return { line = s.row, character = lsp.util.character_offset(buf, s.row, col, enc) }
  end
  local edits = {}
  if s.text ~= '' or s.col ~= s.replace_end then
    edits[1] = { range = { start = pos(s.col), ['end'] = pos(s.replace_end) }, newText = s.text }
  end
  for _, ins in ipairs(s.insertions) do
    local at = { line = ins.line, character = 0 }
    edits[#edits + 1] = { range = { start = at, ['end'] = at }, newText = ins.text }
  end
  break_undo()
  lsp.util.apply_text_edits(edits, buf, enc)
  -- the cursor goes to the end of the continuation (moved down by the inserted lines)
  local shift = 0
  for _, ins in ipairs(s.insertions) do
    shift = shift + #split(ins.text) - 1
  end
  local lines = split(s.text)
  local row = s.row + shift + #lines - 1
  local col = (#lines == 1 and s.col or 0) + #lines[#lines]
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    pcall(api.nvim_win_set_cursor, win, { row + 1, col })
  end
  break_undo() -- what is typed next is a step of its own
  return true
end

-- ------------------------------------------------------------------------------------------
-- Neovim 0.12's vim.lsp.inline_completion (ui = "native")
--
-- Neovim draws the continuation and accepts it (then runs item.command, jumpcoder.applyEdit,
-- whose workspace/applyEdit our handler joins to the same undo step). What it cannot show are
-- the lines above: we see its responses by wrapping this client's request() and draw those.

function M.observe_native(client)
  if client._jumpcoder_observed then
    return
  end
  client._jumpcoder_observed = true
  local request = client.request
  client.request = function(self, method, params, handler, bufnr, ...)
    if method == METHOD and type(handler) == 'function' then
      local inner = handler
      handler = function(err, result, ctx, ...)
        local b = ctx and ctx.bufnr
        if not err and b and api.nvim_buf_is_valid(b) and buffers[b] and buffers[b].native then
          clear_marks(b)
          local items = result and (result.items or result) or {}
          local data = items[1] and items[1].data
          if type(data) == 'table' and type(data.insertions) == 'table' then
            pcall(draw_insertions, b, data.insertions)
            if data.insertOnly == true and api.nvim_get_current_buf() == b then
              pcall(draw_hint, b, api.nvim_win_get_cursor(0)[1] - 1, data.summary)
            end
          end
        end
        return inner(err, result, ctx, ...)
      end
    end
    return request(self, method, params, handler, bufnr, ...)
  end
end

-- ------------------------------------------------------------------------------------------
-- buffers

local group = api.nvim_create_augroup('jumpcoder.ghost', { clear = true })

---@param buf integer
---@param native boolean  leave the continuation to vim.lsp.inline_completion
function M.attach(buf, native)
  local st = state(buf)
  if st.attached then
    return
  end
  st.attached, st.native = true, native
  local function au(events, fn)
    api.nvim_create_autocmd(events, { group = group, buffer = buf, callback = function() fn(buf) end })
  end
  if native then
    -- Neovim re-requests on these; its response redraws our part
    au({ 'TextChangedI', 'CursorMovedI', 'InsertLeave', 'BufLeave' }, clear_marks)
    return
  end
  au('InsertEnter', schedule)
  au({ 'TextChangedI', 'CursorMovedI' }, on_change)
  au({ 'InsertLeave', 'BufLeave' }, M.dismiss)
  -- leaving insert mode by accepting/dismissing happens through the API; normal-mode edits
  -- after a manual :JumpCoderSuggest invalidate it too
  au('TextChanged', function(b)
    local s = buffers[b] and buffers[b].suggestion
    if s and not along(b, s) then
      M.dismiss(b)
    end
  end)
end

function M.detach(buf)
  M.dismiss(buf)
  pcall(api.nvim_clear_autocmds, { group = group, buffer = buf })
  buffers[buf] = nil
end

return M
